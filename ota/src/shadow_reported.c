/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The reported document of docs/protocol.md, "The reported document". */

#include <string.h>

#include "ota_priv.h"

static const char *const run_states[] = {"idle", "updated", "trial", "failed", "held"};

static void put_item(const struct ota *ota, struct json_out *out, enum ota_item item)
{
	const struct ota_item_record *rec = &ota->state.item[item];
	char hex[2 * OTA_MD5_SIZE + 1];
	char ver_key[24];

	if (rec->url[0] != '\0') {
		json_out_key(out, ota_item_key(item));
		json_out_str(out, rec->url);
	}

	ota_text_set(ver_key, sizeof(ver_key), ota_item_key(item));
	ota_text_append(ver_key, sizeof(ver_key), "_ver");
	json_out_key(out, ver_key);
	if (ota->installed[item].present) {
		ota_hex_encode(ota->installed[item].digest, OTA_MD5_SIZE, hex);
		json_out_str(out, hex);
	} else {
		json_out_str(out, "none");
	}
}

/* Whether the item has a failure record to report. */
static bool has_record(const struct ota *ota, int item)
{
	return ota->state.item[item].error[0] != '\0';
}

/*
 * ota.items: each item's failure record, and null for an item without one, so that the shadow,
 * which merges a report into the last, deletes a record that no longer holds.  With
 * OTA_REPORT_NULLS the records stay out and only the nulls go; nothing when there is none.
 */
static void put_failures(const struct ota *ota, struct json_out *out, enum ota_report_items mode)
{
	char hex[2 * OTA_MD5_SIZE + 1];
	bool any = false;
	int item;

	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		any = any || mode == OTA_REPORT_RECORDS || !has_record(ota, item);
	}
	if (!any) {
		return;
	}

	json_out_key(out, "items");
	json_out_begin(out);
	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		const struct ota_item_record *rec = &ota->state.item[item];

		if (!has_record(ota, item)) {
			json_out_key(out, ota_item_key((enum ota_item)item));
			json_out_null(out);
			continue;
		}
		if (mode != OTA_REPORT_RECORDS) {
			continue;
		}
		json_out_key(out, ota_item_key((enum ota_item)item));
		json_out_begin(out);
		json_out_key(out, "ver");
		if (rec->has_tried) {
			ota_hex_encode(rec->tried, OTA_MD5_SIZE, hex);
			json_out_str(out, hex);
		} else {
			json_out_str(out, "none");
		}
		json_out_key(out, "attempts");
		json_out_uint(out, rec->attempts);
		json_out_key(out, "error");
		json_out_str(out, rec->error);
		json_out_end(out);
	}
	json_out_end(out);
}

int ota_reported_build(const struct ota *ota, enum ota_report_items items, char *buf, size_t cap)
{
	struct json_out out;
	int item;

	json_out_init(&out, buf, cap);
	json_out_begin(&out);
	json_out_key(&out, "state");
	json_out_begin(&out);
	json_out_key(&out, "reported");
	json_out_begin(&out);

	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		/* On trial the shadow keeps the old firmware keys until the image is confirmed. */
		if (item == OTA_ITEM_FIRMWARE && ota->run_state == OTA_STATE_TRIAL) {
			continue;
		}
		put_item(ota, &out, (enum ota_item)item);
	}
	if (ota->run_state != OTA_STATE_TRIAL) {
		json_out_key(&out, "firmware_version");
		json_out_str(&out, ota->fw_version);
	}

	json_out_key(&out, "ota");
	json_out_begin(&out);
	json_out_key(&out, "state");
	json_out_str(&out, run_states[ota->run_state]);
	json_out_key(&out, "item");
	json_out_str(&out, ota->run_item >= 0 ? ota_item_key((enum ota_item)ota->run_item) : "");
	json_out_key(&out, "error");
	json_out_str(&out, ota->run_error);
	json_out_key(&out, "attempts");
	json_out_uint(&out, ota->run_item >= 0 ? ota->state.item[ota->run_item].attempts : 0);
	if (items != OTA_REPORT_NO_ITEMS) {
		put_failures(ota, &out, items);
	}
	json_out_end(&out);

	json_out_end(&out);
	json_out_end(&out);
	json_out_end(&out);
	return json_out_finish(&out);
}
