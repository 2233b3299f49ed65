/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * Transient faults of the device's own storage (file read/stat/rename/remove, slot reads, the
 * state record) around a replacement and a firmware swap, and the reasons that reach the
 * shadow.  Each case is a defect a review proved; the test failed before its fix.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ota_priv.h"
#include "scenario.h"

/* main.py is the old or the new script, complete. */
static void check_script_whole(struct scenario *s)
{
	const char *text = rig_file(s->rig, "main.py");

	CHECK(text != NULL &&
	      (strcmp(text, s->script_old) == 0 || strcmp(text, s->script_new) == 0));
}

/* Boot 1 removes main.py and the power goes just before main.new is renamed. */
static void cut_before_rename(struct scenario *s)
{
	scenario_want_script(s);
	fake_fail(&s->rig->fake.fail_rename, "main.new", 1, -EIO);
	s->rig->fake.fail_rename.cut = true;
	rig_boot(s->rig);
	CHECK_INT(s->rig->fake.fail_rename.hits, 1);
	CHECK(rig_file(s->rig, "main.py") == NULL);
	CHECK_STR(rig_file(s->rig, "main.new"), s->script_new);
	fake_power_cycle(&s->rig->fake);
}

/* D1: an I/O error while recovery checks the journalled main.new keeps journal and file. */
static void test_recovery_io_error_keeps_journal(struct fake_op_fault *(*pick)(struct rig *))
{
	struct scenario s;

	scenario_init(&s);
	cut_before_rename(&s);

	fake_fail(pick(s.rig), "main.new", 1, -EIO);
	s.rig->fake.gw_down = true;
	rig_boot(s.rig);
	CHECK_INT(pick(s.rig)->hits, 1);
	CHECK_INT(s.rig->init_ret, 0);
	CHECK_STR(s.rig->ota.init_error, "recovery failed");
	CHECK(s.rig->ota.state.journal.active);
	CHECK_STR(rig_file(s.rig, "main.new"), s.script_new);
	CHECK(rig_file(s.rig, "main.py") == NULL);

	/* The next boot without the fault finishes the replacement. */
	fake_power_cycle(&s.rig->fake);
	s.rig->fake.gw_down = false;
	rig_boot(s.rig);
	CHECK_INT(s.rig->init_ret, 0);
	CHECK_INT(s.rig->boot_ret, 0);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK(rig_file(s.rig, "main.new") == NULL);
	CHECK(!s.rig->ota.state.journal.active);
	CHECK_HAS(s.rig->fake.report, ver_of("script_user", s.md5_script_new));
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	scenario_free(&s);
}

static struct fake_op_fault *stat_fault(struct rig *rig)
{
	return &rig->fake.fail_stat;
}

static struct fake_op_fault *read_fault(struct rig *rig)
{
	return &rig->fake.fail_read;
}

/* D1: a journalled main.new that was read whole and differs still goes (nothing else can). */
static void test_recovery_mismatch_drops_journal(void)
{
	struct scenario s;

	scenario_init(&s);
	cut_before_rename(&s);
	fake_file_put(&s.rig->fake, "main.new", "torn", 4);
	s.rig->fake.gw_down = true;
	rig_boot(s.rig);
	CHECK_INT(s.rig->init_ret, 0);
	CHECK(!s.rig->ota.state.journal.active);
	CHECK(rig_file(s.rig, "main.new") == NULL);
	scenario_free(&s);
}

/* D2: the rename fails (main.py removed): no other file is installed over the journal, the
 * boot reboots, and init finishes the replacement.
 */
static void test_rename_failure_with_config(void)
{
	struct scenario s;

	scenario_init(&s);
	rig_desired(s.rig,
		    "{\"state\":{\"desired\":{\"script_user\":\"http://h/main.py\","
		    "\"script_user_ver\":\"%s\",\"config_user\":\"http://h/CONFIG\","
		    "\"config_user_ver\":\"%s\"}},\"version\":3}",
		    s.md5_script_new, s.md5_config_new);
	fake_fail(&s.rig->fake.fail_rename, "main.new", 1, -EIO);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(s.rig->ota.state.journal.active);
	CHECK_INT(s.rig->ota.state.journal.item, OTA_ITEM_SCRIPT);
	CHECK_STR(s.rig->ota.state.item[0].error, "replace failed");
	/* CONFIG waits: neither fetched nor counted */
	CHECK(!fake_requested(&s.rig->fake, "POST", "update/config_user/"));
	CHECK_INT(s.rig->ota.state.item[1].attempts, 0);
	CHECK_STR(rig_file(s.rig, "CONFIG"), s.config_old);
	CHECK(rig_file(s.rig, "main.py") == NULL);
	CHECK_STR(rig_file(s.rig, "main.new"), s.script_new);

	/* next boot, gateway down: init finishes main.py */
	fake_power_cycle(&s.rig->fake);
	s.rig->fake.gw_down = true;
	rig_boot(s.rig);
	CHECK_INT(s.rig->init_ret, 0);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK(!s.rig->ota.state.journal.active);

	/* and with the gateway back, CONFIG follows */
	s.rig->fake.gw_down = false;
	CHECK(rig_converge(s.rig, 3) > 0);
	CHECK_STR(rig_file(s.rig, "CONFIG"), s.config_new);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_HAS(s.rig->fake.report, ver_of("config_user", s.md5_config_new));
	CHECK_HAS(s.rig->fake.report, "\"ota\":{\"state\":\"idle\"");
	scenario_free(&s);
}

/* D2b: the same with the script alone: the report says main.py is missing, and the boot
 * reboots into recovery instead of running without main.py.
 */
static void test_rename_failure_alone(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_script(&s);
	fake_fail(&s.rig->fake.fail_rename, "main.new", 1, -EIO);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_HAS(s.rig->fake.report, "\"script_user_ver\":\"none\"");
	CHECK_LACKS(s.rig->fake.report, ver_of("script_user", s.md5_script_old));
	CHECK_HAS(s.rig->fake.report, "\"error\":\"replace failed\"");

	CHECK_INT(rig_converge(s.rig, 3), 1);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_HAS(s.rig->fake.report, ver_of("script_user", s.md5_script_new));
	scenario_free(&s);
}

/* D2: a failure before the old file goes (remove of main.py) keeps it and needs no reboot. */
static void test_remove_failure_keeps_old(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_script(&s);
	fake_fail(&s.rig->fake.fail_remove, "main.py", 1, -EIO);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->fake.fail_remove.hits, 1);
	CHECK_STR(s.rig->ota.state.item[0].error, "replace failed");
	check_script_whole(&s);
	/* the journal stays, so the next boot puts the verified file in place */
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(rig_converge(s.rig, 3) > 0);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	scenario_free(&s);
}

/* D3: the fetch's own reason and the gateway's text survive a firmware transfer. */
static void test_fw_reasons_kept(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_fw(&s);
	s.rig->fake.items[2].fault = FAKE_FAULT_EXTRA;
	s.rig->fake.items[2].fault_block = (uint32_t)(s.fw_new_len / 1024);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_STR(s.rig->ota.state.item[2].error, "oversize");
	CHECK(!s.rig->fake.test_requested);
	scenario_free(&s);

	scenario_init(&s);
	scenario_want_fw(&s);
	s.rig->fake.items[2].fault = FAKE_FAULT_CODE;
	s.rig->fake.items[2].fault_block = 0;
	s.rig->fake.items[2].fault_code = OTA_COAP_CODE(4, 13);
	strcpy(s.rig->fake.items[2].diag, "size 999999 over cap 450560");
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_STR(s.rig->ota.state.item[2].error, "gateway 4.13 size 999999 over cap 450560");
	CHECK(!s.rig->fake.test_requested);
	scenario_free(&s);
}

/* D4: a flash read error while slot 1 is checked is the flash's, not the image's. */
static void test_verify_read_error(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_fw(&s);
	fake_fail(&s.rig->fake.fail_slot_read, "slot1", 1, -EIO);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->fake.fail_slot_read.hits, 1);
	CHECK_STR(s.rig->ota.state.item[2].error, "flash read failed");
	CHECK_HAS(s.rig->fake.report, "\"error\":\"flash read failed\"");
	CHECK(!s.rig->fake.test_requested);
	CHECK(!s.rig->ota.state.fw.active);
	scenario_free(&s);
}

/* The write number of the swap request in an uncut firmware update. */
static unsigned long request_write(void)
{
	struct scenario s;
	unsigned long n;

	scenario_init(&s);
	scenario_want_fw(&s);
	rig_boot(s.rig);
	n = s.rig->fake.request_write;
	scenario_free(&s);
	return n;
}

/* D5: power cut right after the swap request; the trial boot cannot reach the gateway, so
 * MCUboot reverts: the next boot reports the revert.
 */
static void test_revert_after_cut_at_request(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_fw(&s);
	s.rig->fake.cut_after = request_write();
	rig_boot(s.rig);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(s.rig->fake.swaps, 1);
	CHECK(s.rig->fake.trial);

	s.rig->fake.gw_down = true;
	rig_boot(s.rig);
	CHECK(!s.rig->fake.confirmed);
	CHECK(!s.rig->ota.state.fw.requesting);
	s.rig->fake.gw_down = false;
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(s.rig->fake.reverts, 1);

	s.rig->fake.items[2].data = NULL; /* the retry must not hide the first report */
	rig_boot(s.rig);
	CHECK_HAS(s.rig->fake.report_log[0], "\"item\":\"firmware_system\",\"error\":\"reverted\"");
	CHECK_HAS(s.rig->fake.report_log[0], ver_of("firmware_system", s.md5_fw_old));
	CHECK(!s.rig->ota.state.fw.active);
	scenario_free(&s);
}

/* D5: power cut after the pending record, before the request: no swap; the image did not
 * stay, which is reported, and the next attempt installs it.
 */
static void test_cut_before_request(void)
{
	struct ota_state saved;
	struct scenario s;

	scenario_init(&s);
	scenario_want_fw(&s);
	s.rig->fake.cut_after = request_write() - 1;
	rig_boot(s.rig);
	CHECK(!s.rig->fake.test_requested);
	memcpy(&saved, s.rig->fake.state, sizeof(saved));
	CHECK(saved.fw.active);
	CHECK(saved.fw.requesting);
	fake_power_cycle(&s.rig->fake);
	CHECK_INT(s.rig->fake.swaps, 0);

	rig_boot(s.rig);
	CHECK_HAS(s.rig->fake.report_log[0], "\"error\":\"reverted\"");
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(rig_converge(s.rig, 3) > 0);
	CHECK_INT(s.rig->fake.swaps, 1);
	CHECK(s.rig->fake.confirmed);
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_new));
	scenario_free(&s);
}

/* 7: a record that fails its CRC starts afresh and says so; OTA goes on. */
static void test_corrupt_record(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_config(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK(rig_converge(s.rig, 3) > 0);
	CHECK(s.rig->fake.state_len > 0);
	s.rig->fake.state[8] ^= 0x40;
	fake_power_cycle(&s.rig->fake);
	scenario_want_script(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->init_ret, 0);
	CHECK_HAS(s.rig->fake.report_log[0], "\"error\":\"state record reset\"");
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	scenario_free(&s);
}

/* 7: an unreadable record: the boot reports, saves and installs nothing, and the next boot
 * (the record readable again) goes on, its journal intact.
 */
static void test_unreadable_record(void)
{
	static uint8_t saved[FAKE_STATE_MAX];
	struct scenario s;
	int saved_len;

	scenario_init(&s);
	cut_before_rename(&s);
	saved_len = s.rig->fake.state_len;
	memcpy(saved, s.rig->fake.state, sizeof(saved));

	fake_fail(&s.rig->fake.fail_state_load, "state", 1, -EIO);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->init_ret, 0);
	CHECK_HAS(s.rig->fake.report_log[0], "\"error\":\"state record unreadable\"");
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK(!fake_requested(&s.rig->fake, "POST", "update/script_user/"));
	CHECK_INT(s.rig->fake.state_len, saved_len);
	CHECK(memcmp(saved, s.rig->fake.state, sizeof(saved)) == 0);
	CHECK_STR(rig_file(s.rig, "main.new"), s.script_new);

	fake_power_cycle(&s.rig->fake);
	rig_boot(s.rig);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	scenario_free(&s);
}

/* 7: a recovery error at init does not stop the boot check: a trial image is confirmed. */
static void test_recovery_error_confirms_trial(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_all(&s);
	fake_fail(&s.rig->fake.fail_rename, "main.new", 1, -EIO);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(s.rig->fake.test_requested);
	CHECK(s.rig->ota.state.journal.active);

	fake_power_cycle(&s.rig->fake);
	CHECK(s.rig->fake.trial);
	fake_fail(&s.rig->fake.fail_stat, "main.new", 1, -EIO);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_STR(s.rig->ota.init_error, "recovery failed");
	CHECK(s.rig->fake.confirmed);
	CHECK_HAS(s.rig->fake.report, "\"error\":\"recovery failed\"");
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_new));
	/* no reboot loop: the replacement is finished by the next boot's init */
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_STR(rig_file(s.rig, "main.new"), s.script_new);

	CHECK(rig_converge(s.rig, 3) > 0);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_STR(rig_file(s.rig, "CONFIG"), s.config_new);
	CHECK_HAS(s.rig->fake.report, "\"ota\":{\"state\":\"idle\"");
	scenario_free(&s);
}

int main(void)
{
	test_recovery_io_error_keeps_journal(stat_fault);
	test_recovery_io_error_keeps_journal(read_fault);
	test_recovery_mismatch_drops_journal();
	test_rename_failure_with_config();
	test_rename_failure_alone();
	test_remove_failure_keeps_old();
	test_fw_reasons_kept();
	test_verify_read_error();
	test_revert_after_cut_at_request();
	test_cut_before_request();
	test_corrupt_record();
	test_unreadable_record();
	test_recovery_error_confirms_trial();
	return check_summary("test_faults");
}
