/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The decision for one item (DESIGN.md, "Device behaviour", step 3). */

#include <string.h>

#include "ota_priv.h"

enum ota_decision ota_decide(const struct ota *ota, const struct ota_desired *desired,
			     enum ota_item item)
{
	const struct ota_desired_item *want = &desired->item[item];
	const struct ota_installed *have = &ota->installed[item];
	const struct ota_item_record *rec = &ota->state.item[item];

	if (want->ver_state == OTA_FIELD_ABSENT) {
		return OTA_DECIDE_ABSENT;
	}
	if (want->ver_state == OTA_FIELD_BAD) {
		return OTA_DECIDE_BAD_VER;
	}
	/* Digests are compared as bytes, so the case of the hex digits does not matter. */
	if (have->present && memcmp(have->digest, want->digest, OTA_MD5_SIZE) == 0) {
		return OTA_DECIDE_SAME;
	}
	if (want->url_state == OTA_FIELD_ABSENT) {
		return OTA_DECIDE_NO_URL;
	}
	if (want->url_state == OTA_FIELD_BAD) {
		return OTA_DECIDE_BAD_URL;
	}
	if (rec->has_tried && memcmp(rec->tried, want->digest, OTA_MD5_SIZE) == 0 &&
	    rec->attempts >= ota->max_attempts) {
		return OTA_DECIDE_HELD;
	}
	return OTA_DECIDE_FETCH;
}

const char *ota_decision_reason(enum ota_decision decision)
{
	switch (decision) {
	case OTA_DECIDE_BAD_VER:
		return "malformed digest";
	case OTA_DECIDE_NO_URL:
		return "no URL";
	case OTA_DECIDE_BAD_URL:
		return "bad URL";
	case OTA_DECIDE_HELD:
		return "retry bound reached";
	default:
		return "";
	}
}
