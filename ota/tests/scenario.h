/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* A device holding old main.py, CONFIG and firmware, and a gateway offering new ones. */

#ifndef DEGU_OTA_TEST_SCENARIO_H_
#define DEGU_OTA_TEST_SCENARIO_H_

#include "rig.h"

struct scenario {
	struct rig *rig;
	char script_old[64];
	char script_new[2600];
	char config_old[64];
	char config_new[700];
	uint8_t fw_old[6000];
	size_t fw_old_len;
	uint8_t fw_new[9000];
	size_t fw_new_len;
	char md5_script_old[33];
	char md5_script_new[33];
	char md5_config_old[33];
	char md5_config_new[33];
	char md5_fw_old[33];
	char md5_fw_new[33];
};

/** Fill @p s, make a rig with the old items installed and the new ones on the gateway. */
void scenario_init(struct scenario *s);
void scenario_free(struct scenario *s);

/** Desired: the new script only. */
void scenario_want_script(struct scenario *s);
void scenario_want_config(struct scenario *s);
void scenario_want_fw(struct scenario *s);
/** Desired: all three new items. */
void scenario_want_all(struct scenario *s);

/**
 * ota.items of a report when no item has a failure record: each key null, so that the shadow,
 * which merges reports, deletes any record it still holds.
 */
#define NO_RECORDS "\"items\":{\"script_user\":null,\"config_user\":null,\"firmware_system\":null}"

/** "\"<key>_ver\":\"<md5>\"" for CHECK_HAS on a report. */
const char *ver_of(const char *key, const char *md5);

#endif /* DEGU_OTA_TEST_SCENARIO_H_ */
