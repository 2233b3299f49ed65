/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The reported ota object stays true in the shadow.  The shadow merges each report into the
 * last one (docs/protocol.md, "The reported document"): a key left out keeps its old value, so
 * a failure record that no longer holds must be reported as null.  Each test asserts the bytes
 * of the reports the fake gateway received, in order.
 */

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ota_priv.h"
#include "scenario.h"

/* The ota object of a boot that found nothing to do. */
#define OTA_IDLE                                                                                   \
	"\"ota\":{\"state\":\"idle\",\"item\":\"\",\"error\":\"\",\"attempts\":0," NO_RECORDS "}"

static void check_record_clear(struct scenario *s, int item)
{
	const struct ota_item_record *rec = &s->rig->ota.state.item[item];

	CHECK_INT(rec->attempts, 0);
	CHECK_INT(rec->has_tried, 0);
	CHECK_STR(rec->error, "");
}

static const char *record_of(const char *key, const char *ver, int attempts, const char *error)
{
	static char buf[2][200];
	static int next;
	char *out = buf[next++ % 2];

	snprintf(out, sizeof(buf[0]), "\"%s\":{\"ver\":\"%s\",\"attempts\":%d,\"error\":\"%s\"}",
		 key, ver, attempts, error);
	return out;
}

/* Fix 1, 2, 5: a download cut by the power, then a successful one, then a boot with nothing
 * to do.
 */
static void test_success_after_cut(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_script(&s);
	/* desired saved (1), attempt saved (2), main.new created (3), first block (4) */
	s.rig->fake.cut_after = 4;
	rig_boot(s.rig);
	CHECK(s.rig->fake.power_off);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_old);

	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_INT(s.rig->fake.reports, 2);
	/* step 1 says what the cut left */
	CHECK_HAS(s.rig->fake.report_log[0],
		  record_of("script_user", s.md5_script_new, 1, "interrupted"));
	/* step 4: installed on the second attempt, and the record is deleted */
	CHECK_HAS(s.rig->fake.report_log[1], ver_of("script_user", s.md5_script_new));
	CHECK_HAS(s.rig->fake.report_log[1],
		  "\"ota\":{\"state\":\"updated\",\"item\":\"script_user\",\"error\":\"\","
		  "\"attempts\":2," NO_RECORDS "}");

	/* the boot after the install: idle, the record gone from the state too */
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_INT(s.rig->fake.reports, 1);
	CHECK_HAS(s.rig->fake.report, ver_of("script_user", s.md5_script_new));
	CHECK_HAS(s.rig->fake.report, OTA_IDLE);
	check_record_clear(&s, OTA_ITEM_SCRIPT);
	scenario_free(&s);
}

/* Fix 1, 2: a revert, then the same image installed and confirmed. */
static void test_success_after_revert(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);

	/* the trial boot cannot reach the gateway: never confirmed, MCUboot reverts */
	fake_power_cycle(&s.rig->fake);
	s.rig->fake.gw_down = true;
	rig_boot(s.rig);
	CHECK(!s.rig->fake.confirmed);
	fake_power_cycle(&s.rig->fake);
	s.rig->fake.gw_down = false;
	CHECK_INT(s.rig->fake.reverts, 1);

	/* the old image reports the revert and fetches again */
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_HAS(s.rig->fake.report_log[0],
		  record_of("firmware_system", s.md5_fw_new, 1, "reverted"));
	CHECK_HAS(s.rig->fake.report,
		  "\"ota\":{\"state\":\"updated\",\"item\":\"firmware_system\",\"error\":\"\","
		  "\"attempts\":2," NO_RECORDS "}");

	/* trial, confirmed: the report after the confirmation says idle, not updated */
	fake_power_cycle(&s.rig->fake);
	CHECK(s.rig->fake.trial);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK(s.rig->fake.confirmed);
	CHECK_INT(s.rig->fake.reports, 2);
	CHECK_HAS(s.rig->fake.report_log[0],
		  "\"ota\":{\"state\":\"trial\",\"item\":\"firmware_system\",\"error\":\"\","
		  "\"attempts\":2," NO_RECORDS "}");
	CHECK_HAS(s.rig->fake.report_log[1], ver_of("firmware_system", s.md5_fw_new));
	CHECK_HAS(s.rig->fake.report_log[1], OTA_IDLE);
	check_record_clear(&s, OTA_ITEM_FIRMWARE);

	/* and so on the boots after */
	CHECK_INT(rig_converge(s.rig, 1), 1);
	CHECK_INT(s.rig->fake.reports, 1);
	CHECK_HAS(s.rig->fake.report, OTA_IDLE);
	scenario_free(&s);
}

/* Fix 3: the failure that reaches the bound is reported as held at once. */
static void test_held_at_the_bound(void)
{
	struct scenario s;
	char want[300];
	int boot;

	scenario_init(&s);
	scenario_want_script(&s);
	s.rig->fake.items[0].fault = FAKE_FAULT_CORRUPT;
	for (boot = 1; boot <= 3; boot++) {
		fake_power_cycle(&s.rig->fake);
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_INT(s.rig->action, OTA_BOOT_RUN);
		snprintf(want, sizeof(want),
			 "\"ota\":{\"state\":\"%s\",\"item\":\"script_user\",\"error\":\"digest "
			 "mismatch\",\"attempts\":%d,\"items\":{%s,\"config_user\":null,"
			 "\"firmware_system\":null}}",
			 boot < 3 ? "failed" : "held", boot,
			 record_of("script_user", s.md5_script_new, boot, "digest mismatch"));
		CHECK_HAS(s.rig->fake.report, want);
	}
	/* the next boot says the same from its first report on, and only once */
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->fake.reports, 1);
	CHECK_HAS(s.rig->fake.report_log[0], want);
	CHECK_INT(s.rig->fake.items[0].puts, 3);

	/* no desired state at all (4.04): idle, as protocol.md says; the record stays */
	fake_set_desired(&s.rig->fake, NULL);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->fake.reports, 2);
	CHECK_HAS(s.rig->fake.report_log[0], want);
	CHECK_HAS(s.rig->fake.report_log[1], "\"ota\":{\"state\":\"idle\",\"item\":\"\"");
	CHECK_HAS(s.rig->fake.report_log[1],
		  record_of("script_user", s.md5_script_new, 3, "digest mismatch"));
	CHECK_INT(s.rig->ota.state.item[0].attempts, 3);
	scenario_free(&s);

	/* a revert that reaches the bound: the first report of that boot says held */
	scenario_init(&s);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	for (boot = 1; boot <= 3; boot++) {
		fake_power_cycle(&s.rig->fake);
		s.rig->fake.gw_down = true;
		rig_boot(s.rig);
		fake_power_cycle(&s.rig->fake);
		s.rig->fake.gw_down = false;
		CHECK_INT(rig_boot(s.rig), 0);
		snprintf(want, sizeof(want),
			 "\"ota\":{\"state\":\"%s\",\"item\":\"firmware_system\",\"error\":"
			 "\"reverted\",\"attempts\":%d",
			 boot < 3 ? "failed" : "held", boot);
		CHECK_HAS(s.rig->fake.report_log[0], want);
	}
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_INT(s.rig->fake.reports, 1);
	CHECK_HAS(s.rig->fake.report, record_of("firmware_system", s.md5_fw_new, 3, "reverted"));
	scenario_free(&s);
}

/* Fix 4: desired keys deleted (whole document or a delta's null): the record goes. */
static void test_desired_deleted(void)
{
	static const char *const deletions[] = {
		"{\"state\":{\"desired\":{}},\"version\":5}",
		"{\"state\":{\"script_user\":null,\"script_user_ver\":null},\"version\":5}",
	};
	struct scenario s;
	size_t i;

	for (i = 0; i < sizeof(deletions) / sizeof(deletions[0]); i++) {
		scenario_init(&s);
		scenario_want_script(&s);
		s.rig->fake.items[0].fault = FAKE_FAULT_CORRUPT;
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_HAS(s.rig->fake.report,
			  record_of("script_user", s.md5_script_new, 1, "digest mismatch"));

		rig_desired(s.rig, "%s", deletions[i]);
		fake_power_cycle(&s.rig->fake);
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_INT(s.rig->action, OTA_BOOT_RUN);
		/* step 1 still had it; step 4 deletes it */
		CHECK_INT(s.rig->fake.reports, 2);
		CHECK_HAS(s.rig->fake.report_log[0], "\"items\":{\"script_user\":{");
		CHECK_HAS(s.rig->fake.report_log[1], ver_of("script_user", s.md5_script_old));
		CHECK_HAS(s.rig->fake.report_log[1], OTA_IDLE);
		check_record_clear(&s, OTA_ITEM_SCRIPT);

		/* saved: the next boot starts without it */
		fake_power_cycle(&s.rig->fake);
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_INT(s.rig->fake.reports, 1);
		CHECK_HAS(s.rig->fake.report, OTA_IDLE);
		CHECK_INT(s.rig->fake.items[0].puts, 1);
		scenario_free(&s);
	}
}

/* Fix 1: desired set back to the digest the device holds: current, so the record goes. */
static void test_desired_back_to_installed(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_config(&s);
	s.rig->fake.items[1].post_code = OTA_COAP_CODE(5, 2);
	strcpy(s.rig->fake.items[1].diag, "HTTP 404");
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_HAS(s.rig->fake.report,
		  record_of("config_user", s.md5_config_new, 1, "gateway 5.02 HTTP 404"));

	rig_desired(s.rig,
		    "{\"state\":{\"desired\":{\"config_user\":\"http://h/CONFIG\","
		    "\"config_user_ver\":\"%s\"}},\"version\":3}",
		    s.md5_config_old);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->fake.reports, 2);
	CHECK_HAS(s.rig->fake.report_log[1], OTA_IDLE);
	check_record_clear(&s, OTA_ITEM_CONFIG);
	CHECK_INT(s.rig->fake.items[1].puts, 1);

	/* a new desired digest later starts its own count */
	scenario_want_config(&s);
	s.rig->fake.items[1].post_code = 0;
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_HAS(s.rig->fake.report, "\"state\":\"updated\",\"item\":\"config_user\",\"error\":"
				      "\"\",\"attempts\":1," NO_RECORDS);
	scenario_free(&s);
}

int main(void)
{
	test_success_after_cut();
	test_success_after_revert();
	test_held_at_the_bound();
	test_desired_deleted();
	test_desired_back_to_installed();
	return check_summary("test_report");
}
