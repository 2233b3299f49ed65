/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* ota_boot() and ota_check_update(): every decision row, every failure path, retry bound. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ota_priv.h"
#include "scenario.h"

/* The script item after a boot that must not have touched it. */
static void check_script_old(struct scenario *s)
{
	CHECK_STR(rig_file(s->rig, "main.py"), s->script_old);
	CHECK(fake_file_find(&s->rig->fake, "main.new") == NULL);
	CHECK_HAS(s->rig->fake.report, ver_of("script_user", s->md5_script_old));
}

static void test_row_absent(void)
{
	struct scenario s;

	scenario_init(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK(!fake_requested(&s.rig->fake, "POST", "update/script_user/"));
	CHECK(fake_requested(&s.rig->fake, "PUT", "update/status/" RIG_EUI));
	CHECK(fake_requested(&s.rig->fake, "GET", "update/status/" RIG_EUI));
	check_script_old(&s);
	CHECK_HAS(s.rig->fake.report, ver_of("config_user", s.md5_config_old));
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_old));
	CHECK_HAS(s.rig->fake.report, "\"firmware_version\":\"1.2.3+4\"");
	CHECK_HAS(s.rig->fake.report, "\"ota\":{\"state\":\"idle\"");
	CHECK_INT(s.rig->fake.reports, 1);
	scenario_free(&s);
}

static void test_row_same_any_case(void)
{
	struct scenario s;
	char upper[33];
	int i;

	scenario_init(&s);
	for (i = 0; i < 33; i++) {
		char c = s.md5_script_old[i];

		upper[i] = (c >= 'a' && c <= 'f') ? (char)(c - 'a' + 'A') : c;
	}
	rig_desired(s.rig,
		    "{\"state\":{\"desired\":{\"script_user\":\"http://h/main.py\","
		    "\"script_user_ver\":\"%s\"}}}",
		    upper);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK(!fake_requested(&s.rig->fake, "PUT", "update/script_user/"));
	check_script_old(&s);
	CHECK_INT(ota_check_update(&s.rig->ota), 0);
	scenario_free(&s);
}

static void test_row_differs(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_script(&s);
	CHECK_INT(ota_init(&s.rig->ota, &s.rig->cfg), 0);
	CHECK_INT(ota_check_update(&s.rig->ota), 1);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(fake_requested(&s.rig->fake, "PUT", "update/script_user/" RIG_EUI));
	CHECK(fake_requested(&s.rig->fake, "POST", "update/script_user/" RIG_EUI));
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK(fake_file_find(&s.rig->fake, "main.new") == NULL);
	CHECK_STR(rig_file(s.rig, "CONFIG"), s.config_old);
	CHECK_HAS(s.rig->fake.report, ver_of("script_user", s.md5_script_new));
	CHECK_HAS(s.rig->fake.report, "\"script_user\":\"http://h/main.py\"");
	CHECK_HAS(s.rig->fake.report, "\"ota\":{\"state\":\"updated\",\"item\":\"script_user\","
				      "\"error\":\"\",\"attempts\":1," NO_RECORDS "}");
	CHECK_INT(s.rig->fake.reports, 2);
	CHECK_INT(s.rig->fake.items[0].gets, 3);

	/* next boot: the same digest is installed, nothing to do */
	CHECK_INT(rig_converge(s.rig, 1), 1);
	CHECK_INT(s.rig->fake.items[0].gets, 3);
	CHECK_HAS(s.rig->fake.report, ver_of("script_user", s.md5_script_new));
	scenario_free(&s);
}

static void test_row_missing_file(void)
{
	struct scenario s;

	scenario_init(&s);
	s.rig->fake.files[0].used = false;
	CHECK(fake_file_find(&s.rig->fake, "main.py") == NULL);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_HAS(s.rig->fake.report, "\"script_user_ver\":\"none\"");

	scenario_want_script(&s);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	scenario_free(&s);
}

static void test_row_no_url_and_malformed(void)
{
	static const struct {
		const char *desired;
		const char *error;
	} rows[] = {
		{"{\"state\":{\"desired\":{\"script_user_ver\":\"%s\"}}}", "no URL"},
		{"{\"state\":{\"desired\":{\"script_user\":\"\",\"script_user_ver\":\"%s\"}}}",
		 "bad URL"},
		{"{\"state\":{\"desired\":{\"script_user\":7,\"script_user_ver\":\"%s\"}}}",
		 "bad URL"},
		{"{\"state\":{\"desired\":{\"script_user\":\"http://h/m\",\"script_user_ver\":"
		 "\"%.31s\"}}}",
		 "malformed digest"},
		{"{\"state\":{\"desired\":{\"script_user\":\"http://h/m\",\"script_user_ver\":"
		 "\"%.30sxy\"}}}",
		 "malformed digest"},
	};
	char want[80];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct scenario s;

		scenario_init(&s);
		rig_desired(s.rig, rows[i].desired, s.md5_script_new);
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_INT(s.rig->action, OTA_BOOT_RUN);
		CHECK(!fake_requested(&s.rig->fake, "PUT", "update/script_user/"));
		check_script_old(&s);
		snprintf(want, sizeof(want), "\"state\":\"failed\",\"item\":\"script_user\","
					     "\"error\":\"%s\"",
			 rows[i].error);
		CHECK_HAS(s.rig->fake.report, want);
		snprintf(want, sizeof(want), "\"attempts\":0,\"error\":\"%s\"}", rows[i].error);
		CHECK_HAS(s.rig->fake.report, want);
		CHECK_INT(ota_check_update(&s.rig->ota), 0);
		scenario_free(&s);
	}
}

/* One failure path: the script stays old, the reason is reported, one attempt counted. */
struct failure_row {
	const char *name;
	enum fake_fault fault;
	uint32_t block;
	int count;
	uint8_t code;
	uint8_t post_code;
	const char *diag;
	const char *error;
};

static void run_failure(const struct failure_row *row)
{
	struct scenario s;
	char want[200];

	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.items[0].fault = row->fault;
	s.rig->fake.items[0].fault_block = row->block;
	s.rig->fake.items[0].fault_count = row->count;
	s.rig->fake.items[0].fault_code = row->code;
	s.rig->fake.items[0].post_code = row->post_code;
	if (row->diag != NULL) {
		strcpy(s.rig->fake.items[0].diag, row->diag);
	}

	CHECK_INT(rig_boot(s.rig), 0);
	if (s.rig->action != OTA_BOOT_RUN || strstr(s.rig->fake.report, row->error) == NULL) {
		fprintf(stderr, "failure row %s\n", row->name);
	}
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	check_script_old(&s);
	snprintf(want, sizeof(want), "\"ota\":{\"state\":\"failed\",\"item\":\"script_user\","
				     "\"error\":\"%s\",\"attempts\":1",
		 row->error);
	CHECK_HAS(s.rig->fake.report, want);
	snprintf(want, sizeof(want),
		 "\"items\":{\"script_user\":{\"ver\":\"%s\",\"attempts\":1,\"error\":\"%s\"},"
		 "\"config_user\":null,\"firmware_system\":null}",
		 s.md5_script_new, row->error);
	CHECK_HAS(s.rig->fake.report, want);
	scenario_free(&s);
}

static void test_failures(void)
{
	static const struct failure_row rows[] = {
		{"lost block", FAKE_FAULT_DROP, 1, 4, 0, 0, NULL, "transfer"},
		{"corrupt", FAKE_FAULT_CORRUPT, 1, 0, 0, 0, NULL, "digest mismatch"},
		{"short block", FAKE_FAULT_TRUNCATE, 0, 0, 0, 0, NULL, "short block"},
		{"short last", FAKE_FAULT_TRUNCATE, 2, 0, 0, 0, NULL, "size mismatch"},
		{"gap", FAKE_FAULT_REORDER, 1, 0, 0, 0, NULL, "gap"},
		{"transport", FAKE_FAULT_ERRNO, 1, 0, 0, 0, NULL, "transfer"},
		{"size2 small", FAKE_FAULT_SIZE2_SMALL, 0, 0, 0, 0, NULL, "oversize"},
		{"past size2", FAKE_FAULT_EXTRA, 2, 0, 0, 0, NULL, "oversize"},
		{"get 4.04", FAKE_FAULT_CODE, 1, 0, OTA_COAP_CODE(4, 4), 0, "nothing fetched",
		 "gateway 4.04 nothing fetched"},
		{"get 5.04", FAKE_FAULT_CODE, 0, 0, OTA_COAP_CODE(5, 4), 0, NULL, "gateway 5.04"},
		{"post 4.04", FAKE_FAULT_NONE, 0, 0, 0, OTA_COAP_CODE(4, 4), "unknown item",
		 "gateway 4.04 unknown item"},
		{"post 4.12", FAKE_FAULT_NONE, 0, 0, 0, OTA_COAP_CODE(4, 12),
		 "md5 900150983cd24fb0d6963f7d28e17f72",
		 "gateway 4.12 md5 900150983cd24fb0d6963f7d28e17f72"},
		{"post 4.13", FAKE_FAULT_NONE, 0, 0, 0, OTA_COAP_CODE(4, 13), "over 12288 bytes",
		 "gateway 4.13 over 12288 bytes"},
		{"post 5.02", FAKE_FAULT_NONE, 0, 0, 0, OTA_COAP_CODE(5, 2), "HTTP 404",
		 "gateway 5.02 HTTP 404"},
		{"post 5.04", FAKE_FAULT_NONE, 0, 0, 0, OTA_COAP_CODE(5, 4), "upstream timed out",
		 "gateway 5.04 upstream timed out"},
		{"post 4.00", FAKE_FAULT_NONE, 0, 0, 0, OTA_COAP_CODE(4, 0), "no URL",
		 "gateway 4.00 no URL"},
		{"diag quote", FAKE_FAULT_NONE, 0, 0, 0, OTA_COAP_CODE(5, 2), "say \"no\"\n",
		 "gateway 5.02 say \\\"no\\\"?"},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		run_failure(&rows[i]);
	}
}

static void test_lost_blocks_recovered_and_small_blocks(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.items[0].fault = FAKE_FAULT_DROP;
	s.rig->fake.items[0].fault_block = 1;
	s.rig->fake.items[0].fault_count = 3;
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_INT(s.rig->fake.items[0].gets, 6);
	scenario_free(&s);

	/* the gateway answers with 64-byte blocks although 1024 were asked for */
	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.items[0].max_szx = 2;
	s.rig->fake.doc_max_szx = 1;
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_INT(s.rig->fake.items[0].gets, (2599 + 63) / 64);
	scenario_free(&s);
}

static void test_busy_then_ready(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.items[0].busy_polls = 3;
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_INT(s.rig->fake.items[0].posts, 4);
	CHECK_INT(s.rig->fake.slept_ms, 3 * CONFIG_DEGU_OTA_BUSY_POLL_MS);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	scenario_free(&s);

	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.items[0].busy_polls = CONFIG_DEGU_OTA_BUSY_POLLS;
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_INT(s.rig->fake.items[0].posts, CONFIG_DEGU_OTA_BUSY_POLLS);
	CHECK(!fake_requested(&s.rig->fake, "GET", "update/script_user/"));
	check_script_old(&s);
	CHECK_HAS(s.rig->fake.report, "\"error\":\"gateway busy\"");
	scenario_free(&s);
}

static void test_timeout_and_unreachable(void)
{
	struct scenario s;
	char want[160];

	/* the gateway goes away in the middle of the transfer */
	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.gw_down_after = 7;
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_old);
	CHECK(fake_file_find(&s.rig->fake, "main.new") == NULL);
	CHECK_STR(s.rig->ota.state.item[0].error, "transfer");
	CHECK_INT(s.rig->ota.state.item[0].attempts, 1);
	/* reported on the next boot */
	s.rig->fake.gw_down_after = 0;
	s.rig->fake.items[0].fault = FAKE_FAULT_CORRUPT;
	CHECK_INT(rig_converge(s.rig, 1), 1);
	snprintf(want, sizeof(want), "\"items\":{\"script_user\":{\"ver\":\"%s\",\"attempts\":1,"
				     "\"error\":\"transfer\"},\"config_user\":null,",
		 s.md5_script_new);
	CHECK_HAS(s.rig->fake.report_log[0], want);
	scenario_free(&s);

	/* no answer to PUT update/script_user */
	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.gw_down_after = 3;
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_STR(s.rig->ota.state.item[0].error, "gateway timeout");
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_old);
	scenario_free(&s);

	/* no gateway at all: an error, run main.py */
	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.gw_down = true;
	CHECK_INT(rig_boot(s.rig), -ETIMEDOUT);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_old);
	CHECK_INT(ota_check_update(&s.rig->ota), -ETIMEDOUT);
	scenario_free(&s);
}

static void test_volume_full(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.volume_full = true;
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	check_script_old(&s);
	CHECK_HAS(s.rig->fake.report, "\"error\":\"file write failed\",\"attempts\":1");
	scenario_free(&s);
}

static void test_refusal_saved_once(void)
{
	struct scenario s;
	unsigned long writes;

	scenario_init(&s);
	rig_desired(s.rig, "{\"state\":{\"desired\":{\"config_user_ver\":\"%s\"}}}",
		    s.md5_config_new);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_HAS(s.rig->fake.report, "\"config_user\":{\"ver\":");
	CHECK_HAS(s.rig->fake.report, "\"attempts\":0,\"error\":\"no URL\"}");
	writes = s.rig->fake.writes;
	CHECK_INT(rig_converge(s.rig, 1), 1);
	CHECK_INT(s.rig->fake.writes, writes);
	CHECK_HAS(s.rig->fake.report, "\"error\":\"no URL\"}");
	scenario_free(&s);
}

static void test_bad_desired(void)
{
	struct scenario s;
	static char big[CONFIG_DEGU_OTA_DOC_MAX + 100];

	scenario_init(&s);
	rig_desired(s.rig, "{\"state\":{\"desired\":{\"script_user\":\"http://h\",}}");
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	check_script_old(&s);
	CHECK_HAS(s.rig->fake.report, "\"state\":\"failed\",\"item\":\"\",\"error\":\"malformed "
				      "JSON\"");
	CHECK_INT(ota_check_update(&s.rig->ota), -EINVAL);
	scenario_free(&s);

	scenario_init(&s);
	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, "{\"state\":{}}", 12);
	fake_set_desired(&s.rig->fake, big);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_HAS(s.rig->fake.report, "\"error\":\"desired document too large\"");
	scenario_free(&s);

	/* 4.04: no desired state at all is nothing to do, not a failure */
	scenario_init(&s);
	fake_set_desired(&s.rig->fake, NULL);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_INT(s.rig->fake.reports, 1);
	CHECK_HAS(s.rig->fake.report, "\"ota\":{\"state\":\"idle\"");
	CHECK_INT(ota_check_update(&s.rig->ota), 0);
	scenario_free(&s);

	scenario_init(&s);
	s.rig->fake.status_code = OTA_COAP_CODE(5, 2);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_HAS(s.rig->fake.report, "\"error\":\"gateway 5.02 shadow service failed\"");
	scenario_free(&s);
}

static void test_delta_merged(void)
{
	struct scenario s;

	/* a full desired state names the script URL; a later delta only its digest */
	scenario_init(&s);
	rig_desired(s.rig, "{\"state\":{\"desired\":{\"script_user\":\"http://h/main.py\","
			   "\"script_user_ver\":\"%s\"}}}",
		    s.md5_script_old);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	rig_desired(s.rig, "{\"state\":{\"script_user_ver\":\"%s\"},\"version\":9}",
		    s.md5_script_new);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_HAS(s.rig->fake.report, "\"script_user\":\"http://h/main.py\"");
	scenario_free(&s);
}

static void test_retry_bound(void)
{
	struct scenario s;
	unsigned long writes;
	int boot;

	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.items[0].fault = FAKE_FAULT_CORRUPT;
	for (boot = 1; boot <= 3; boot++) {
		fake_power_cycle(&s.rig->fake);
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_INT(s.rig->fake.items[0].puts, boot);
		CHECK_INT(s.rig->ota.state.item[0].attempts, boot);
	}
	CHECK_HAS(s.rig->fake.report, "\"attempts\":3,\"error\":\"digest mismatch\"");

	/* the fourth boot holds the item back and says so */
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_INT(s.rig->fake.items[0].puts, 3);
	CHECK_HAS(s.rig->fake.report, "\"ota\":{\"state\":\"held\",\"item\":\"script_user\","
				      "\"error\":\"digest mismatch\",\"attempts\":3");
	check_script_old(&s);
	writes = s.rig->fake.writes;
	CHECK_INT(ota_check_update(&s.rig->ota), 0);
	CHECK_INT(s.rig->fake.writes, writes);

	/* a new desired digest starts counting afresh */
	s.rig->fake.items[0].fault = FAKE_FAULT_NONE;
	strcat(s.script_new, "x");
	fake_set_item(&s.rig->fake, 0, s.script_new, strlen(s.script_new));
	md5_hex(s.script_new, strlen(s.script_new), s.md5_script_new);
	scenario_want_script(&s);
	CHECK_INT(ota_check_update(&s.rig->ota), 1);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_HAS(s.rig->fake.report, "\"attempts\":1," NO_RECORDS);
	scenario_free(&s);

	/* a configured bound */
	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->cfg.max_attempts = 1;
	s.rig->fake.items[0].fault = FAKE_FAULT_CORRUPT;
	CHECK_INT(rig_boot(s.rig), 0);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->fake.items[0].puts, 1);
	CHECK_HAS(s.rig->fake.report, "\"state\":\"held\"");
	scenario_free(&s);
}

static void test_check_update_writes_nothing(void)
{
	struct scenario s;
	static uint8_t state[FAKE_STATE_MAX];
	unsigned long writes;
	int len;

	scenario_init(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	scenario_want_all(&s);
	writes = s.rig->fake.writes;
	len = s.rig->fake.state_len;
	memcpy(state, s.rig->fake.state, sizeof(state));
	s.rig->fake.log_len = 0;

	CHECK_INT(ota_check_update(&s.rig->ota), 1);
	CHECK_INT(s.rig->fake.writes, writes);
	CHECK_INT(s.rig->fake.state_len, len);
	CHECK(memcmp(state, s.rig->fake.state, sizeof(state)) == 0);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_old);
	CHECK(!fake_requested(&s.rig->fake, "PUT", "update/script_user/"));
	CHECK(!fake_requested(&s.rig->fake, "POST", "thing/"));

	/* only the firmware differs, and then nothing */
	rig_desired(s.rig, "{\"state\":{\"desired\":{\"firmware_system\":\"http://h/d\","
			   "\"firmware_system_ver\":\"%s\"}}}",
		    s.md5_fw_new);
	CHECK_INT(ota_check_update(&s.rig->ota), 1);
	rig_desired(s.rig, "{\"state\":{\"desired\":{\"firmware_system\":\"http://h/d\","
			   "\"firmware_system_ver\":\"%s\"}}}",
		    s.md5_fw_old);
	CHECK_INT(ota_check_update(&s.rig->ota), 0);
	CHECK_INT(s.rig->fake.writes, writes);
	scenario_free(&s);
}

static void test_shadow_calls(void)
{
	struct scenario s;
	static char shadow[3000];
	char buf[4096];
	int i;

	scenario_init(&s);
	CHECK_INT(ota_init(&s.rig->ota, &s.rig->cfg), 0);
	CHECK_INT(ota_update_shadow(&s.rig->ota, "{\"state\":{\"reported\":{\"t\":21}}}", 32), 0);
	CHECK_STR(s.rig->fake.report, "{\"state\":{\"reported\":{\"t\":21}}}");
	s.rig->fake.report_code = OTA_COAP_CODE(5, 2);
	CHECK_INT(ota_update_shadow(&s.rig->ota, "{}", 2), -EIO);
	s.rig->fake.report_code = OTA_COAP_CODE(4, 0);
	CHECK_INT(ota_update_shadow(&s.rig->ota, "{}", 2), -EINVAL);

	CHECK_INT(ota_get_shadow(&s.rig->ota, buf, sizeof(buf)), -ENOENT);
	strcpy(shadow, "{\"state\":{\"desired\":{\"k\":\"");
	for (i = 0; i < 2500; i++) {
		strcat(shadow, "v");
	}
	strcat(shadow, "\"}},\"version\":4}");
	s.rig->fake.shadow_doc = shadow;
	s.rig->fake.doc_max_szx = 5;
	CHECK_INT(ota_get_shadow(&s.rig->ota, buf, sizeof(buf)), (int)strlen(shadow));
	CHECK_STR(buf, shadow);
	CHECK_INT(ota_get_shadow(&s.rig->ota, buf, 100), -ENOSPC);
	scenario_free(&s);
}

/* Long URLs and errors: the report drops ota.items to stay within 1024 bytes. */
static void test_report_too_long(void)
{
	struct scenario s;
	char url[3][CONFIG_DEGU_OTA_URL_MAX];
	static const char other[] = "ffffffffffffffffffffffffffffffff";
	int i;

	scenario_init(&s);
	for (i = 0; i < 3; i++) {
		memset(url[i], 'a' + i, sizeof(url[i]) - 1);
		memcpy(url[i], "http://", 7);
		url[i][sizeof(url[i]) - 1] = '\0';
	}
	rig_desired(s.rig,
		    "{\"state\":{\"desired\":{\"script_user\":\"%s\",\"script_user_ver\":\"%s\","
		    "\"config_user\":\"%s\",\"config_user_ver\":\"%s\",\"firmware_system\":\"%s\","
		    "\"firmware_system_ver\":\"%s\"}}}",
		    url[0], s.md5_script_new, url[1], s.md5_config_new, url[2], s.md5_fw_new);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(rig_converge(s.rig, 2), 1);
	CHECK_INT((int)strlen(s.rig->fake.report) <= CONFIG_DEGU_OTA_REPORT_MAX, 1);
	CHECK_HAS(s.rig->fake.report, url[2]);

	rig_desired(s.rig,
		    "{\"state\":{\"desired\":{\"script_user\":\"%s\",\"script_user_ver\":\"%s\","
		    "\"config_user\":\"%s\",\"config_user_ver\":\"%s\",\"firmware_system\":\"%s\","
		    "\"firmware_system_ver\":\"%s\"}}}",
		    url[0], other, url[1], other, url[2], other);
	for (i = 0; i < 3; i++) {
		s.rig->fake.items[i].post_code = OTA_COAP_CODE(5, 2);
		strcpy(s.rig->fake.items[i].diag, "connection closed after 123456 bytes, upstream");
	}
	CHECK_INT(rig_converge(s.rig, 1), 1);
	CHECK_INT((int)strlen(s.rig->fake.report) <= CONFIG_DEGU_OTA_REPORT_MAX, 1);
	CHECK_LACKS(s.rig->fake.report, "\"items\"");
	CHECK_HAS(s.rig->fake.report, url[0]);
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_new));
	CHECK_HAS(s.rig->fake.report,
		  "\"state\":\"failed\",\"item\":\"firmware_system\","
		  "\"error\":\"gateway 5.02 connection closed after 123456 bytes");
	scenario_free(&s);
}

/* ota_init() after a cut at each step of a replacement, set up by hand. */
static void test_recovery(void)
{
	struct scenario s;
	uint8_t digest[16];
	char hex[33];

	/* verified and journalled, old file already removed: finish the rename */
	scenario_init(&s);
	CHECK_INT(ota_init(&s.rig->ota, &s.rig->cfg), 0);
	fake_file_put(&s.rig->fake, "main.new", s.script_new, strlen(s.script_new));
	s.rig->fake.files[0].used = false;
	s.rig->ota.state.journal.active = 1;
	s.rig->ota.state.journal.item = OTA_ITEM_SCRIPT;
	md5_hex(s.script_new, strlen(s.script_new), hex);
	CHECK_INT(ota_md5_from_hex(hex, 32, digest), 0);
	memcpy(s.rig->ota.state.journal.digest, digest, 16);
	strcpy(s.rig->ota.state.journal.url, "http://h/j.py");
	CHECK_INT(ota_state_save(&s.rig->ota), 0);
	CHECK_INT(ota_init(&s.rig->ota, &s.rig->cfg), 0);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK(fake_file_find(&s.rig->fake, "main.new") == NULL);
	CHECK(!s.rig->ota.state.journal.active);
	CHECK_STR(s.rig->ota.state.item[0].url, "http://h/j.py");

	/* journalled but the temporary file does not verify: it goes, the old file stays */
	fake_file_put(&s.rig->fake, "main.py", s.script_old, strlen(s.script_old));
	fake_file_put(&s.rig->fake, "main.new", "mixed", 5);
	s.rig->ota.state.journal.active = 1;
	CHECK_INT(ota_state_save(&s.rig->ota), 0);
	CHECK_INT(ota_init(&s.rig->ota, &s.rig->cfg), 0);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_old);
	CHECK(fake_file_find(&s.rig->fake, "main.new") == NULL);
	CHECK(!s.rig->ota.state.journal.active);

	/* no journal: a temporary file is unverified and removed */
	fake_file_put(&s.rig->fake, "config.new", s.config_new, strlen(s.config_new));
	CHECK_INT(ota_init(&s.rig->ota, &s.rig->cfg), 0);
	CHECK(fake_file_find(&s.rig->fake, "config.new") == NULL);
	CHECK_STR(rig_file(s.rig, "CONFIG"), s.config_old);
	scenario_free(&s);
}

static void test_bad_config(void)
{
	struct scenario s;
	struct ota_config cfg;

	scenario_init(&s);
	cfg = s.rig->cfg;
	cfg.eui64 = "0123456789abcde";
	CHECK_INT(ota_init(&s.rig->ota, &cfg), -EINVAL);
	cfg.eui64 = "0123456789abcdeg";
	CHECK_INT(ota_init(&s.rig->ota, &cfg), -EINVAL);
	cfg.eui64 = "0123456789ABCDEF";
	CHECK_INT(ota_init(&s.rig->ota, &cfg), 0);
	CHECK_STR(s.rig->ota.eui64, "0123456789abcdef");
	scenario_free(&s);
}

int main(void)
{
	test_row_absent();
	test_row_same_any_case();
	test_row_differs();
	test_row_missing_file();
	test_row_no_url_and_malformed();
	test_failures();
	test_lost_blocks_recovered_and_small_blocks();
	test_busy_then_ready();
	test_timeout_and_unreachable();
	test_volume_full();
	test_refusal_saved_once();
	test_bad_desired();
	test_delta_merged();
	test_retry_bound();
	test_check_update_writes_nothing();
	test_shadow_calls();
	test_report_too_long();
	test_recovery();
	test_bad_config();
	return check_summary("test_boot");
}
