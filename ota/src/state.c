/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The persisted record.  It is saved whole through port->state_save, which is atomic by
 * contract, so a power cut leaves the record before or after a step, never between.  Its
 * bytes are struct ota_state as this build lays it out, zero-filled so the CRC covers no
 * stray padding; a record of another layout (magic, version, size) or CRC is dropped.
 */

#include <errno.h>
#include <string.h>

#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota_state);

#define STATE_MAGIC   0x4f544131U /* "OTA1" */
#define STATE_VERSION 2U

uint32_t ota_crc32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffU;
	size_t i;
	int bit;

	/* CRC-32 (IEEE 802.3, reflected), bitwise: the record is small and saved rarely. */
	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (bit = 0; bit < 8; bit++) {
			crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
		}
	}
	return ~crc;
}

void ota_state_reset(struct ota_state *state)
{
	memset(state, 0, sizeof(*state));
	state->magic = STATE_MAGIC;
	state->version = STATE_VERSION;
	state->size = sizeof(*state);
}

static bool state_valid(const struct ota_state *state, int len)
{
	return len == (int)sizeof(*state) && state->magic == STATE_MAGIC &&
	       state->version == STATE_VERSION && state->size == sizeof(*state) &&
	       state->crc == ota_crc32(state, offsetof(struct ota_state, crc));
}

static void state_sanitise(struct ota_state *state)
{
	int i;

	/* A valid CRC says the bytes are the ones saved; terminate strings anyway. */
	for (i = 0; i < OTA_ITEMS; i++) {
		state->item[i].error[sizeof(state->item[i].error) - 1] = '\0';
		state->item[i].url[sizeof(state->item[i].url) - 1] = '\0';
		state->desired.item[i].url[sizeof(state->desired.item[i].url) - 1] = '\0';
	}
	state->journal.url[sizeof(state->journal.url) - 1] = '\0';
	state->fw.url[sizeof(state->fw.url) - 1] = '\0';
	if (state->journal.item >= OTA_ITEM_FIRMWARE) {
		state->journal.active = 0;
	}
}

int ota_state_load(struct ota *ota)
{
	int ret;

	ret = ota->port->state_load(ota->port->ctx, &ota->state, sizeof(ota->state));
	if (ret == -ENOENT) {
		OTA_LOG_INF("No state record yet");
		ota_state_reset(&ota->state);
		return 0;
	}
	if (ret < 0) {
		OTA_LOG_DBG("Could not load the state record (%d)", ret);
		ota_state_reset(&ota->state);
		return ret;
	}
	if (!state_valid(&ota->state, ret)) {
		/* Never a permanent refusal: a bad record costs only its retry counts. */
		OTA_LOG_WRN("State record of %d bytes is invalid; starting afresh", ret);
		ota_state_reset(&ota->state);
		ota_text_set(ota->init_error, sizeof(ota->init_error), "state record reset");
		return 0;
	}

	state_sanitise(&ota->state);
	return 0;
}

int ota_state_save(struct ota *ota)
{
	int ret;

	if (ota->state_unreadable) {
		/* The record on flash may hold a journal this boot does not know of. */
		return -EROFS;
	}

	ota->state.magic = STATE_MAGIC;
	ota->state.version = STATE_VERSION;
	ota->state.size = sizeof(ota->state);
	ota->state.crc = ota_crc32(&ota->state, offsetof(struct ota_state, crc));

	ret = ota->port->state_save(ota->port->ctx, &ota->state, sizeof(ota->state));
	if (ret < 0) {
		OTA_LOG_DBG("Could not save the state record (%d)", ret);
		return ret;
	}
	return 0;
}

void ota_state_installed(struct ota_state *state, enum ota_item item, const char *url)
{
	struct ota_item_record *rec = &state->item[item];

	ota_text_set(rec->url, sizeof(rec->url), url);
	rec->error[0] = '\0';
}

bool ota_state_forget(struct ota_state *state, enum ota_item item)
{
	struct ota_item_record *rec = &state->item[item];
	bool had = rec->has_tried || rec->attempts != 0 || rec->error[0] != '\0';

	memset(rec->tried, 0, sizeof(rec->tried));
	rec->has_tried = 0;
	rec->attempts = 0;
	memset(rec->error, 0, sizeof(rec->error));
	return had;
}
