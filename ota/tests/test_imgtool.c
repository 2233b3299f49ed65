/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The cross-check of DESIGN.md ("Shadow keys"): the C firmware digest over a simulated slot
 * holding an image signed by imgtool, then erased flash, then the MCUboot trailer imgtool
 * writes, equals md5sum of the signed file (MD5SUMS, made by fixtures/make_fixtures.sh).
 *
 * usage: test_imgtool <dir> <image name> <1 if it has a protected TLV area, else 0>
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ota_priv.h"
#include "scenario.h"

static uint8_t image[RIG_SLOT_SIZE];
static uint8_t trailer[RIG_ERASE];

static long read_file(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "test_imgtool: cannot open %s: run fixtures/make_fixtures.sh\n",
			path);
		exit(2);
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

/* The line "<md5>  <name>" of MD5SUMS. */
static void md5_of(const char *dir, const char *name, char md5[33])
{
	char path[1024];
	char line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/MD5SUMS", dir);
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "test_imgtool: cannot open %s\n", path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) > 34 && strcmp(line + 34, name) == 0) {
			memcpy(md5, line, 32);
			md5[32] = '\0';
			fclose(f);
			return;
		}
	}
	fclose(f);
	fprintf(stderr, "test_imgtool: %s has no line for %s\n", path, name);
	exit(2);
}

int main(int argc, char **argv)
{
	struct scenario s;
	struct ota_image_info info;
	uint8_t digest[16];
	char want[33];
	char hex[33];
	char ver[32];
	long len;

	if (argc != 4) {
		fprintf(stderr, "usage: test_imgtool <dir> <image> <protected 0|1>\n");
		return 2;
	}
	len = read_file(argv[1], argv[2], image, sizeof(image));
	CHECK_INT(read_file(argv[1], "trailer.bin", trailer, sizeof(trailer)), RIG_ERASE);
	md5_of(argv[1], argv[2], want);

	/* the slot: image, erased flash, trailer in the last page */
	scenario_init(&s);
	memset(s.rig->fake.slot[1], 0xff, RIG_SLOT_SIZE);
	memcpy(s.rig->fake.slot[1], image, (size_t)len);
	memcpy(s.rig->fake.slot[1] + RIG_SLOT_SIZE - RIG_ERASE, trailer, RIG_ERASE);

	CHECK_INT(ota_image_digest(&s.rig->fake.port, OTA_SLOT_DOWNLOAD, s.rig->ota.block,
				   CONFIG_DEGU_OTA_BLOCK_MAX, &info, digest),
		  0);
	ota_hex_encode(digest, 16, hex);
	CHECK_STR(hex, want);
	CHECK_INT(info.length, len);
	CHECK_INT(info.protect_tlv_size != 0, atoi(argv[3]));
	ota_image_version(&info, ver, sizeof(ver));
	CHECK_STR(ver, "1.2.3+4");

	/* and the device installs it for that MD5, confirms it and reports the same MD5 */
	memset(s.rig->fake.slot[1], 0xff, RIG_SLOT_SIZE);
	fake_set_item(&s.rig->fake, OTA_ITEM_FIRMWARE, image, (size_t)len);
	strcpy(s.md5_fw_new, want);
	scenario_want_fw(&s);
	CHECK_INT(rig_boot(s.rig), 0);
	CHECK_INT(s.rig->action, OTA_BOOT_REBOOT);
	CHECK(s.rig->fake.test_requested);
	CHECK_INT(rig_converge(s.rig, 2), 1);
	CHECK(s.rig->fake.confirmed);
	CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", want));
	CHECK_HAS(s.rig->fake.report, "\"firmware_version\":\"1.2.3+4\"");

	printf("%s: C digest %s, md5sum %s\n", argv[2], hex, want);
	scenario_free(&s);
	return check_summary("test_imgtool");
}
