/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* Firmware: slot 1 writes, verification, test swap, trial confirm, revert. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ota_priv.h"
#include "scenario.h"

static void check_no_request(struct scenario *s, const char *error)
{
	char want[120];

	CHECK_INT(s->rig->action, OTA_BOOT_RUN);
	CHECK(!s->rig->fake.test_requested);
	CHECK(!s->rig->ota.state.fw.active);
	CHECK_HAS(s->rig->fake.report, ver_of("firmware_system", s->md5_fw_old));
	snprintf(want, sizeof(want), "\"firmware_system\":{\"ver\":\"%s\",\"attempts\":1,"
				     "\"error\":\"%s\"}",
		 s->md5_fw_new, error);
	CHECK_HAS(s->rig->fake.report, want);
}

static void test_install_and_confirm(void)
{
	struct scenario s;
	char hex[33];
	size_t i;

	scenario_init(&s);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(s.rig->fake.test_requested);
	CHECK(s.rig->ota.state.fw.active);
	/* slot 1 holds the image, padded with erased bytes to the write block */
	CHECK(memcmp(s.rig->fake.slot[1], s.fw_new, s.fw_new_len) == 0);
	for (i = s.fw_new_len; i < RIG_SLOT_SIZE; i++) {
		if (s.rig->fake.slot[1][i] != 0xff) {
			break;
		}
	}
	CHECK_INT(i, RIG_SLOT_SIZE);
	md5_hex(s.rig->fake.slot[1], s.fw_new_len, hex);
	CHECK_STR(hex, s.md5_fw_new);
	/* not reported as installed before the swap */
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_old));
	CHECK_HAS(s.rig->fake.report,
		  "\"ota\":{\"state\":\"updated\",\"item\":\"firmware_system\"");
	CHECK_HAS(s.rig->fake.report, NO_RECORDS);

	/* MCUboot swaps; the new image comes up on trial, reports, confirms, reports */
	fake_power_cycle(&s.rig->fake);
	CHECK(s.rig->fake.trial);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK(s.rig->fake.confirmed);
	CHECK_HAS(s.rig->fake.report_log[0], "\"ota\":{\"state\":\"trial\"");
	CHECK_LACKS(s.rig->fake.report_log[0], "firmware_system_ver");
	CHECK_HAS(s.rig->fake.report_log[1], ver_of("firmware_system", s.md5_fw_new));
	CHECK_HAS(s.rig->fake.report_log[1], "\"firmware_system\":\"http://h/degu.bin\"");
	CHECK_HAS(s.rig->fake.report_log[1], "\"firmware_version\":\"2.2.3+4\"");
	/* confirmed and running: nothing to reboot for, so idle (updated is "rebooting") */
	CHECK_HAS(s.rig->fake.report_log[1], "\"ota\":{\"state\":\"idle\",\"item\":\"\"");
	CHECK(!s.rig->ota.state.fw.active);
	CHECK_INT(s.rig->fake.items[2].puts, 1);

	/* it stays: no revert on the next reset, nothing fetched again */
	CHECK_INT(rig_converge(s.rig, 1), 1);
	CHECK_INT(s.rig->fake.reverts, 0);
	CHECK_INT(s.rig->fake.items[2].puts, 1);
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_new));
	CHECK_HAS(s.rig->fake.report, "\"ota\":{\"state\":\"idle\"");
	scenario_free(&s);
}

static void test_cut_after_swap_request(void)
{
	struct scenario s;
	unsigned long request;

	scenario_init(&s);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	request = s.rig->fake.request_write;
	CHECK(request > 0);
	scenario_free(&s);

	/* the power goes right after the request: the pending record is never saved */
	scenario_init(&s);
	scenario_want_fw(&s);
	s.rig->fake.cut_after = request;
	rig_boot(s.rig);
	CHECK(s.rig->fake.power_off);
	CHECK(s.rig->fake.test_requested);
	fake_power_cycle(&s.rig->fake);
	CHECK(s.rig->fake.trial);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK(!s.rig->ota.state.fw.active);
	CHECK(s.rig->fake.confirmed);
	CHECK_INT(s.rig->action, OTA_BOOT_RUN);
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_new));
	CHECK_HAS(s.rig->fake.report, "\"firmware_system\":\"http://h/degu.bin\"");
	CHECK_HAS(s.rig->fake.report, NO_RECORDS);
	scenario_free(&s);
}

static void test_trial_unhealthy_reverts(void)
{
	struct scenario s;
	int round;

	scenario_init(&s);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);

	for (round = 1; round <= 3; round++) {
		/* trial boot without a gateway: never confirmed */
		fake_power_cycle(&s.rig->fake);
		CHECK(s.rig->fake.trial);
		s.rig->fake.gw_down = true;
		CHECK_INT(rig_boot(s.rig), -ETIMEDOUT);
		CHECK(!s.rig->fake.confirmed);

		/* MCUboot reverts; the old image reports the old digest and the failure */
		fake_power_cycle(&s.rig->fake);
		CHECK_INT(s.rig->fake.reverts, round);
		s.rig->fake.gw_down = false;
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_HAS(s.rig->fake.report_log[0], ver_of("firmware_system", s.md5_fw_old));
		CHECK_HAS(s.rig->fake.report_log[0], "\"firmware_version\":\"1.2.3+4\"");
		CHECK_HAS(s.rig->fake.report_log[0], "\"error\":\"reverted\"");
		CHECK_INT(s.rig->ota.state.item[2].attempts, round < 3 ? round + 1 : 3);
		/* below the bound the same boot tries again, at the bound it stops */
		CHECK_INT(s.rig->action, round < 3 ? OTA_BOOT_REBOOT : OTA_BOOT_RUN);
	}
	CHECK_INT(s.rig->fake.items[2].puts, 3);
	CHECK_HAS(s.rig->fake.report, "\"firmware_system\":{\"ver\":");
	CHECK_HAS(s.rig->fake.report, "\"attempts\":3,\"error\":\"reverted\"}");
	CHECK_INT(ota_check_update(&s.rig->ota), 0);

	CHECK_INT(rig_converge(s.rig, 1), 1);
	CHECK_INT(s.rig->fake.items[2].puts, 3);
	CHECK_HAS(s.rig->fake.report, "\"state\":\"held\",\"item\":\"firmware_system\"");
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_old));
	scenario_free(&s);
}

static void test_refused_images(void)
{
	struct scenario s;
	static uint8_t big[RIG_SLOT_SIZE];
	static uint8_t junk[3000];
	static uint8_t padded[9100];
	char md5[33];
	size_t len;

	scenario_init(&s);
	scenario_want_fw(&s);
	s.rig->fake.items[2].fault = FAKE_FAULT_CORRUPT;
	s.rig->fake.items[2].fault_block = 3;
	CHECK_INT(rig_boot(s.rig), 0);
	check_no_request(&s, "digest mismatch");
	scenario_free(&s);

	/* larger than slot 1 minus the trailer's page, refused from Size2 on */
	scenario_init(&s);
	len = make_image(big, sizeof(big), RIG_SLOT_SIZE - RIG_ERASE - 0x200 - 40 + 1, 3, 2, 0);
	fake_set_item(&s.rig->fake, 2, big, len);
	md5_hex(big, len, s.md5_fw_new);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	check_no_request(&s, "image too large");
	CHECK_INT(s.rig->fake.items[2].gets, 1);
	scenario_free(&s);

	/* exactly at the limit fits */
	scenario_init(&s);
	len = make_image(big, sizeof(big), RIG_SLOT_SIZE - RIG_ERASE - 0x200 - 40, 3, 2, 0);
	fake_set_item(&s.rig->fake, 2, big, len);
	md5_hex(big, len, s.md5_fw_new);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(s.rig->fake.test_requested);
	scenario_free(&s);

	/* the right digest of something that is no MCUboot image */
	scenario_init(&s);
	memset(junk, 0x5a, sizeof(junk));
	fake_set_item(&s.rig->fake, 2, junk, sizeof(junk));
	md5_hex(junk, sizeof(junk), s.md5_fw_new);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	check_no_request(&s, "no MCUboot header");
	scenario_free(&s);

	/* an image with bytes after its TLV area: its length is not the download's */
	scenario_init(&s);
	memcpy(padded, s.fw_new, s.fw_new_len);
	memset(padded + s.fw_new_len, 0, sizeof(padded) - s.fw_new_len);
	fake_set_item(&s.rig->fake, 2, padded, sizeof(padded));
	md5_hex(padded, sizeof(padded), md5);
	strcpy(s.md5_fw_new, md5);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	check_no_request(&s, "image length differs from download");
	scenario_free(&s);

	/* a gateway error on the way */
	scenario_init(&s);
	scenario_want_fw(&s);
	s.rig->fake.items[2].post_code = OTA_COAP_CODE(4, 13);
	strcpy(s.rig->fake.items[2].diag, "over 450560 bytes");
	CHECK_INT(rig_boot(s.rig), 0);
	check_no_request(&s, "gateway 4.13 over 450560 bytes");
	scenario_free(&s);
}

static void test_write_blocks(void)
{
	static const size_t blocks[] = {1, 4, 16};
	size_t i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		struct scenario s;
		struct ota_image_info info;
		uint8_t digest[16];
		char hex[33];

		scenario_init(&s);
		s.rig->fake.write_block = blocks[i];
		s.rig->fake.items[2].max_szx = 3;
		scenario_want_fw(&s);
		CHECK_INT(rig_boot(s.rig), 0);
		CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
		CHECK(memcmp(s.rig->fake.slot[1], s.fw_new, s.fw_new_len) == 0);
		CHECK_INT(s.rig->fake.slot[1][s.fw_new_len], 0xff);
		CHECK_INT(ota_image_digest(&s.rig->fake.port, OTA_SLOT_DOWNLOAD, s.rig->ota.block,
					   512, &info, digest),
			  0);
		CHECK_INT(info.length, s.fw_new_len);
		ota_hex_encode(digest, 16, hex);
		CHECK_STR(hex, s.md5_fw_new);
		scenario_free(&s);
	}
}

static void test_everything_at_once(void)
{
	struct scenario s;

	scenario_init(&s);
	scenario_want_all(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK_STR(rig_file(s.rig, "main.py"), s.script_new);
	CHECK_STR(rig_file(s.rig, "CONFIG"), s.config_new);
	CHECK(s.rig->fake.test_requested);
	CHECK_INT(rig_converge(s.rig, 3), 1);
	CHECK(s.rig->fake.confirmed);
	CHECK_HAS(s.rig->fake.report, ver_of("script_user", s.md5_script_new));
	CHECK_HAS(s.rig->fake.report, ver_of("config_user", s.md5_config_new));
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_new));
	CHECK_HAS(s.rig->fake.report, "\"config_user\":\"http://h/CONFIG\"");
	scenario_free(&s);
}

int main(void)
{
	test_install_and_confirm();
	test_cut_after_swap_request();
	test_trial_unhealthy_reverts();
	test_refused_images();
	test_write_blocks();
	test_everything_at_once();
	return check_summary("test_firmware");
}
