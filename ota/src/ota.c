/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The boot-time sequence of docs/protocol.md ("Device sequence at boot") and DESIGN.md
 * ("Device behaviour"), degu.check_update() and the two shadow calls of the degu module.
 */

#include <errno.h>
#include <string.h>

#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota);

#define CODE_CREATED OTA_COAP_CODE(2, 1)
#define CODE_CHANGED OTA_COAP_CODE(2, 4)

static bool valid_eui64(const char *eui64)
{
	size_t i;

	for (i = 0; i < 16; i++) {
		char c = eui64[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return eui64[16] == '\0';
}

int ota_init(struct ota *ota, const struct ota_config *cfg)
{
	int ret;

	if (cfg == NULL || cfg->port == NULL || cfg->eui64 == NULL || !valid_eui64(cfg->eui64)) {
		return -EINVAL;
	}

	memset(ota, 0, sizeof(*ota));
	ota->port = cfg->port;
	memcpy(ota->eui64, cfg->eui64, 16);
	/* Paths carry the EUI-64 in lower case (docs/protocol.md, "Transport"). */
	for (ret = 0; ret < 16; ret++) {
		if (ota->eui64[ret] >= 'A' && ota->eui64[ret] <= 'F') {
			ota->eui64[ret] = (char)(ota->eui64[ret] - 'A' + 'a');
		}
	}
	ota->max_attempts = cfg->max_attempts != 0 ? cfg->max_attempts
						   : CONFIG_DEGU_OTA_MAX_ATTEMPTS;
	ota->run_item = -1;

	/* No failure here may disable OTA: the boot check must still run for the firmware (a
	 * trial image is confirmed only by it), and what failed is retried on the next boot.
	 */
	ret = ota_state_load(ota);
	if (ret < 0) {
		OTA_LOG_ERR("Could not load the state record (%d); saving nothing this boot", ret);
		ota->state_unreadable = true;
		ota_text_set(ota->init_error, sizeof(ota->init_error), "state record unreadable");
		/* A journal in the unread record may name a temporary file: leave the files. */
		ota->initialised = true;
		return 0;
	}

	ret = ota_files_recover(ota);
	if (ret < 0) {
		OTA_LOG_ERR("Could not recover the files of an interrupted update (%d)", ret);
		ota_text_set(ota->init_error, sizeof(ota->init_error), "recovery failed");
	}

	ota->initialised = true;
	return 0;
}

/* The digests of the files the device holds. */
static void scan_files(struct ota *ota)
{
	int item;
	int ret;

	for (item = 0; item < OTA_ITEM_FIRMWARE; item++) {
		struct ota_installed *have = &ota->installed[item];

		ret = ota_file_digest(ota, ota_item_file((enum ota_item)item), have->digest);
		have->present = ret == 0;
		if (ret < 0 && ret != -ENOENT) {
			OTA_LOG_ERR("Could not hash %s (%d)", ota_item_file((enum ota_item)item),
				    ret);
		}
	}
}

/* What the device holds: the files' digests and the running image's digest and version. */
static void scan_installed(struct ota *ota)
{
	struct ota_image_info info;
	struct ota_installed *fw = &ota->installed[OTA_ITEM_FIRMWARE];
	int ret;

	scan_files(ota);
	ret = ota_image_digest(ota->port, OTA_SLOT_RUNNING, ota->block, CONFIG_DEGU_OTA_BLOCK_MAX,
			       &info, fw->digest);
	fw->present = ret == 0;
	if (ret == 0) {
		ota_image_version(&info, ota->fw_version, sizeof(ota->fw_version));
	} else {
		OTA_LOG_WRN("No valid image in slot 0 (%d)", ret);
		ota_text_set(ota->fw_version, sizeof(ota->fw_version), "none");
	}
}

static void set_run(struct ota *ota, enum ota_run_state state, int item, const char *error)
{
	ota->run_state = state;
	ota->run_item = item;
	ota_text_set(ota->run_error, sizeof(ota->run_error), error);
}

/* The reported document into ota->report; returns its length. */
static int build_reported(struct ota *ota)
{
	int len;

	len = ota_reported_build(ota, OTA_REPORT_RECORDS, ota->report, sizeof(ota->report));
	if (len == -ENOSPC) {
		/* Long URLs and errors: the failure records give way to the six keys, but the
		 * nulls that delete records which no longer hold still go (they always fit).
		 */
		OTA_LOG_WRN("Reported document over %d bytes; leaving out the records of ota.items",
			    CONFIG_DEGU_OTA_REPORT_MAX);
		len = ota_reported_build(ota, OTA_REPORT_NULLS, ota->report, sizeof(ota->report));
	}
	if (len == -ENOSPC) {
		len = ota_reported_build(ota, OTA_REPORT_NO_ITEMS, ota->report,
					 sizeof(ota->report));
	}
	if (len < 0) {
		OTA_LOG_ERR("Could not build the reported document (%d)", len);
	}
	return len;
}

/* POST the document build_reported() left in ota->report. */
static int send_reported(struct ota *ota, int len)
{
	struct ota_coap_response rsp;
	int ret;

	ota_gw_path(ota, "thing/", NULL);
	ret = ota_gw_request(ota, OTA_COAP_POST, ota->report, (size_t)len, NULL, &rsp, ota->block,
			     CONFIG_DEGU_OTA_BLOCK_MAX);
	if (ret < 0) {
		return ota_gw_failed(ota, "gateway", ret);
	}
	if (rsp.code != CODE_CHANGED && rsp.code != CODE_CREATED) {
		return ota_gw_error(ota, "gateway", &rsp, ota->block);
	}
	OTA_LOG_INF("Reported (%s)", ota->report);
	ota->report_len = len;
	ota->report_crc = ota_crc32(ota->report, (size_t)len);
	return 0;
}

static int post_reported(struct ota *ota)
{
	int len = build_reported(ota);

	if (len < 0) {
		return len;
	}
	return send_reported(ota, len);
}

/* Step 4: report again when anything in the document changed since the last report. */
static void post_reported_if_changed(struct ota *ota)
{
	int len = build_reported(ota);

	if (len < 0 || (len == ota->report_len &&
			ota_crc32(ota->report, (size_t)len) == ota->report_crc)) {
		return;
	}
	(void)send_reported(ota, len);
}

static int doc_sink(void *ctx, uint32_t offset, const uint8_t *data, size_t len, uint32_t total)
{
	struct ota *ota = ctx;

	(void)total;
	/* ota_fetch() holds offset + len to the cap it was given: sizeof(ota->doc) - 1. */
	memcpy(ota->doc + offset, data, len);
	return 0;
}

/* PUT and GET update/status/<eui>, parsed and merged into desired. */
static int read_desired(struct ota *ota, struct ota_desired *desired)
{
	struct ota_coap_response rsp;
	uint32_t len;
	int ret;

	ota_gw_path(ota, "update/status/", NULL);
	ret = ota_gw_request(ota, OTA_COAP_PUT, NULL, 0, NULL, &rsp, ota->block,
			     CONFIG_DEGU_OTA_BLOCK_MAX);
	if (ret < 0) {
		return ota_gw_failed(ota, "gateway", ret);
	}
	if (rsp.code != CODE_CHANGED) {
		return ota_gw_error(ota, "gateway", &rsp, ota->block);
	}

	ret = ota_fetch(ota, CONFIG_DEGU_OTA_DOC_MAX, "desired document too large", doc_sink, ota,
			&len);
	if (ret < 0) {
		return ret;
	}
	ota->doc[len] = '\0';

	return ota_desired_parse(ota, ota->doc, len, desired);
}

/* Record a failure of item for the desired digest digest (NULL: none). */
static void record_failure(struct ota *ota, enum ota_item item, const uint8_t *digest,
			   const char *reason)
{
	struct ota_item_record *rec = &ota->state.item[item];

	if (digest != NULL && (!rec->has_tried || memcmp(rec->tried, digest, OTA_MD5_SIZE) != 0)) {
		memcpy(rec->tried, digest, OTA_MD5_SIZE);
		rec->has_tried = 1;
		rec->attempts = 0;
	}
	ota_text_set(rec->error, sizeof(rec->error), reason);
	set_run(ota, OTA_STATE_FAILED, (int)item, reason);
}

/* A counted attempt failed: the one that reaches the retry bound is reported held at once. */
static void record_attempt_failure(struct ota *ota, enum ota_item item, const uint8_t *digest,
				   const char *reason)
{
	record_failure(ota, item, digest, reason);
	if (ota->state.item[item].attempts >= ota->max_attempts) {
		set_run(ota, OTA_STATE_HELD, (int)item, reason);
	}
}

/* Count an attempt for the desired digest before any byte is fetched, so that power cuts in
 * the middle of a download count too.
 */
static int start_attempt(struct ota *ota, enum ota_item item)
{
	struct ota_item_record *rec = &ota->state.item[item];
	const uint8_t *digest = ota->desired.item[item].digest;

	if (!rec->has_tried || memcmp(rec->tried, digest, OTA_MD5_SIZE) != 0) {
		memcpy(rec->tried, digest, OTA_MD5_SIZE);
		rec->has_tried = 1;
		rec->attempts = 0;
	}
	if (rec->attempts < 255) {
		rec->attempts++;
	}
	ota_text_set(rec->error, sizeof(rec->error), "interrupted");
	return ota_state_save(ota);
}

static int install_item(struct ota *ota, enum ota_item item)
{
	int ret;

	OTA_LOG_INF("Fetching %s (attempt %u of %u)", ota_item_key(item),
		    ota->state.item[item].attempts, ota->max_attempts);

	ret = ota_gw_prepare_item(ota, item);
	if (ret < 0) {
		return ret;
	}
	if (item == OTA_ITEM_FIRMWARE) {
		return ota_install_fw(ota);
	}
	return ota_install_file(ota, item);
}

/* Step 3 for one item. returns 1 when it was installed, 0 when not. */
static int act_on_item(struct ota *ota, enum ota_item item)
{
	const struct ota_desired_item *want = &ota->desired.item[item];
	struct ota_item_record *rec = &ota->state.item[item];
	enum ota_decision decision = ota_decide(ota, &ota->desired, item);
	int ret;

	switch (decision) {
	case OTA_DECIDE_ABSENT:
	case OTA_DECIDE_SAME:
		/* Nothing desired, or the device holds what is desired: an older failure record
		 * no longer applies (a new desired digest starts a fresh count anyway).
		 */
		if (ota_state_forget(&ota->state, item)) {
			(void)ota_state_save(ota);
		}
		return 0;
	case OTA_DECIDE_HELD:
		OTA_LOG_WRN("%s held back after %u attempts", ota_item_key(item), rec->attempts);
		if (ota->run_state != OTA_STATE_FAILED) {
			set_run(ota, OTA_STATE_HELD, (int)item, rec->error);
		}
		return 0;
	case OTA_DECIDE_BAD_VER:
	case OTA_DECIDE_NO_URL:
	case OTA_DECIDE_BAD_URL: {
		struct ota_item_record before = *rec;

		OTA_LOG_WRN("%s: %s", ota_item_key(item), ota_decision_reason(decision));
		record_failure(ota, item, want->ver_state == OTA_FIELD_SET ? want->digest : NULL,
			       ota_decision_reason(decision));
		/* The same refusal on every boot is saved once, not on every boot. */
		if (memcmp(&before, rec, sizeof(before)) != 0) {
			(void)ota_state_save(ota);
		}
		return 0;
	}
	case OTA_DECIDE_FETCH:
		break;
	}

	if (item != OTA_ITEM_FIRMWARE && ota->state.journal.active) {
		/* A replacement is still unfinished: its temporary file may be the only copy of
		 * an item, and a new journal would forget it.  ota_init() finishes it first.
		 */
		OTA_LOG_WRN("%s waits for the replacement of %s", ota_item_key(item),
			    ota_item_file((enum ota_item)ota->state.journal.item));
		return 0;
	}

	ret = start_attempt(ota, item);
	if (ret < 0) {
		OTA_LOG_ERR("Could not save the state record; %s not fetched (%d)",
			    ota_item_key(item), ret);
		set_run(ota, OTA_STATE_FAILED, (int)item, "state save failed");
		return 0;
	}

	ota->reason[0] = '\0';
	ret = install_item(ota, item);
	if (ret < 0) {
		if (ota->reason[0] == '\0') {
			ota_text_set(ota->reason, sizeof(ota->reason), "install failed");
		}
		OTA_LOG_ERR("Could not install %s: %s (%d)", ota_item_key(item), ota->reason, ret);
		record_attempt_failure(ota, item, want->digest, ota->reason);
		(void)ota_state_save(ota);
		return 0;
	}

	if (item != OTA_ITEM_FIRMWARE) {
		/* finish_replacement() saved the record with the item installed. */
		ota->installed[item].present = true;
		memcpy(ota->installed[item].digest, want->digest, OTA_MD5_SIZE);
	}
	set_run(ota, OTA_STATE_UPDATED, (int)item, "");
	return 1;
}

/* A swap requested before this boot: confirmed, reverted, or on trial now. */
static int settle_firmware(struct ota *ota, bool trial)
{
	struct ota_fw_pending *fw = &ota->state.fw;
	const struct ota_installed *running = &ota->installed[OTA_ITEM_FIRMWARE];
	bool runs_pending = fw->active && running->present &&
			    memcmp(running->digest, fw->digest, OTA_MD5_SIZE) == 0;
	int ret;

	if (trial) {
		if (runs_pending && fw->requesting) {
			/* The swap happened: a revert from here on is the image's failure. */
			fw->requesting = 0;
			(void)ota_state_save(ota);
		}
		/* Healthy means the gateway took our report: only then confirm. */
		set_run(ota, OTA_STATE_TRIAL, OTA_ITEM_FIRMWARE, "");
		ret = post_reported(ota);
		if (ret < 0) {
			OTA_LOG_WRN("Trial image not confirmed: gateway unreachable (%d)", ret);
			return ret;
		}
		ret = ota->port->boot_confirm(ota->port->ctx);
		if (ret < 0) {
			OTA_LOG_ERR("Could not confirm the running image (%d)", ret);
			return ret;
		}
		OTA_LOG_INF("Confirmed the running image %s", ota->fw_version);
		if (runs_pending) {
			ota_state_installed(&ota->state, OTA_ITEM_FIRMWARE, fw->url);
		} else if (ota->state.desired.item[OTA_ITEM_FIRMWARE].ver_state == OTA_FIELD_SET &&
			   memcmp(ota->state.desired.item[OTA_ITEM_FIRMWARE].digest,
				  running->digest, OTA_MD5_SIZE) == 0) {
			/* The swap request was made, its record was lost to a power cut. */
			ota_state_installed(&ota->state, OTA_ITEM_FIRMWARE,
					    ota->state.desired.item[OTA_ITEM_FIRMWARE].url);
		}
		fw->active = 0;
		/* Installed and running: nothing to reboot for ("updated" is for that). */
		set_run(ota, OTA_STATE_IDLE, -1, "");
		ret = ota_state_save(ota);
		if (ret < 0) {
			/* Confirmed all the same: the next boot finds its record and clears it. */
			OTA_LOG_WRN("Could not save the confirmed image's record (%d)", ret);
		}
		return 0;
	}

	if (!fw->active) {
		return 0;
	}
	if (runs_pending) {
		/* Confirmed on an earlier boot that was cut before it saved. */
		ota_state_installed(&ota->state, OTA_ITEM_FIRMWARE, fw->url);
		fw->active = 0;
		return ota_state_save(ota);
	}

	/* Not on trial and not the requested image: MCUboot reverted it, or (still requesting)
	 * a power cut came around the request, or the trial boot died before it ran this code.
	 * Either way the image did not stay.  The attempt was counted when the download began;
	 * the retry bound stops a loop.
	 */
	OTA_LOG_WRN("Requested image did not stay: %s", fw->requesting ? "reverted or never swapped"
									: "reverted");
	fw->active = 0;
	fw->requesting = 0;
	record_attempt_failure(ota, OTA_ITEM_FIRMWARE, fw->digest, "reverted");
	return ota_state_save(ota);
}

int ota_boot(struct ota *ota, enum ota_boot_action *action)
{
	struct ota_desired desired;
	bool trial = false;
	bool held_early = false;
	bool journal_before;
	int installed = 0;
	int item;
	int ret;

	*action = OTA_BOOT_RUN;
	if (!ota->initialised) {
		return -EINVAL;
	}

	scan_installed(ota);
	set_run(ota, OTA_STATE_IDLE, -1, "");

	ret = ota->port->boot_is_on_trial(ota->port->ctx, &trial);
	if (ret < 0) {
		OTA_LOG_ERR("Could not read the swap state (%d)", ret);
		return ret;
	}
	ret = settle_firmware(ota, trial);
	if (ret < 0) {
		return ret;
	}
	if (ota->init_error[0] != '\0') {
		/* After the trial check, so that the report of step 1 carries it. */
		set_run(ota, OTA_STATE_FAILED, -1, ota->init_error);
	}
	if (ota->run_state == OTA_STATE_IDLE) {
		/* Step 1 of a held item's boot says held already, as the last desired state
		 * decides, rather than idle until step 4 (step 3 decides again on what it reads).
		 */
		for (item = 0; item < OTA_ITEM_COUNT; item++) {
			if (ota_decide(ota, &ota->state.desired, (enum ota_item)item) ==
			    OTA_DECIDE_HELD) {
				set_run(ota, OTA_STATE_HELD, item, ota->state.item[item].error);
				held_early = true;
				break;
			}
		}
	}

	/* Step 1 */
	ret = post_reported(ota);
	if (ret < 0) {
		return ret;
	}

	/* Step 2 */
	desired = ota->state.desired;
	ret = read_desired(ota, &desired);
	if (ret == -ENOENT) {
		/* 4.04: the thing has no desired state (yet); nothing to do, nothing failed.  A
		 * hold step 1 took from the last desired state no longer applies; the records
		 * stay (a shadow that comes back with the same digest must not restart the count).
		 */
		OTA_LOG_INF("No desired state");
		if (held_early) {
			set_run(ota, OTA_STATE_IDLE, -1, "");
			post_reported_if_changed(ota);
		}
		return 0;
	}
	if (ret < 0) {
		set_run(ota, OTA_STATE_FAILED, -1, ota->reason);
		(void)post_reported(ota);
		return 0;
	}
	ota->desired = desired;
	if (ota->state_unreadable) {
		/* Nothing can be saved: no attempt could be counted, so nothing is installed. */
		OTA_LOG_WRN("State record unreadable: no update this boot");
		return 0;
	}
	if (memcmp(&ota->state.desired, &desired, sizeof(desired)) != 0) {
		ota->state.desired = desired;
		(void)ota_state_save(ota);
	}

	/* Step 3 */
	journal_before = ota->state.journal.active != 0;
	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		installed += act_on_item(ota, (enum ota_item)item);
	}
	/* A failed install may have removed a file already: report what is there now. */
	scan_files(ota);

	/* Step 4, when step 3 changed what step 1 said (also a record it dropped) */
	post_reported_if_changed(ota);
	if (installed > 0) {
		OTA_LOG_INF("%d item(s) installed; rebooting", installed);
		*action = OTA_BOOT_REBOOT;
	} else if (!journal_before && ota->state.journal.active) {
		/* A replacement failed half-way (the old file may be gone): ota_init() finishes
		 * it.  Only a replacement failed in this boot reboots, so no reboot loop.
		 */
		OTA_LOG_WRN("Replacement of %s unfinished; rebooting to recover it",
			    ota_item_file((enum ota_item)ota->state.journal.item));
		*action = OTA_BOOT_REBOOT;
	}
	return 0;
}

int ota_check_update(struct ota *ota)
{
	struct ota_desired desired;
	int item;
	int ret;

	if (!ota->initialised) {
		return -EINVAL;
	}

	/* Reads only: the files, slot 0, the gateway.  Nothing is saved. */
	scan_installed(ota);
	desired = ota->state.desired;
	ret = read_desired(ota, &desired);
	if (ret == -ENOENT) {
		return 0;
	}
	if (ret < 0) {
		return ret;
	}

	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		if (ota_decide(ota, &desired, (enum ota_item)item) == OTA_DECIDE_FETCH) {
			return 1;
		}
	}
	return 0;
}

int ota_update_shadow(struct ota *ota, const char *json, size_t len)
{
	struct ota_coap_response rsp;
	int ret;

	if (!ota->initialised) {
		return -EINVAL;
	}

	ota_gw_path(ota, "thing/", NULL);
	ret = ota_gw_request(ota, OTA_COAP_POST, json, len, NULL, &rsp, ota->block,
			     CONFIG_DEGU_OTA_BLOCK_MAX);
	if (ret < 0) {
		return ret;
	}
	if (rsp.code != CODE_CHANGED && rsp.code != CODE_CREATED) {
		return ota_gw_error(ota, "gateway", &rsp, ota->block);
	}
	return 0;
}

struct shadow_sink {
	char *buf;
};

static int shadow_sink(void *ctx, uint32_t offset, const uint8_t *data, size_t len,
		       uint32_t total)
{
	struct shadow_sink *sink = ctx;

	(void)total;
	memcpy(sink->buf + offset, data, len);
	return 0;
}

int ota_get_shadow(struct ota *ota, char *buf, size_t len)
{
	struct shadow_sink sink = {.buf = buf};
	uint32_t got;
	int ret;

	if (!ota->initialised || len == 0) {
		return -EINVAL;
	}

	ota_gw_path(ota, "thing/", NULL);
	ret = ota_fetch(ota, (uint32_t)(len - 1), "oversize", shadow_sink, &sink, &got);
	if (ret < 0) {
		buf[0] = '\0';
		return ret == -EFBIG ? -ENOSPC : ret;
	}
	buf[got] = '\0';
	return (int)got;
}
