/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * slot_md5: the device's firmware digest of a slot file, for the cross-check against
 * `degutool release` (tests/test_slot_digest.py, DESIGN.md "Shadow keys").
 *
 * The slot is read through the POSIX port, as a simulated Degu holds it (DIR/slot0.bin or
 * DIR/slot1.bin, a whole slot of 0x6E000 bytes), and hashed by the core's ota_image_digest(),
 * the routine the device reports slot 0 with.  It prints one line:
 *
 *   <md5> <image length> <version> <protected TLV area size>
 *
 * usage: slot_md5 <device dir> <0|1>
 * Exit status 0 on success, 1 when the core refuses the slot (its error on stderr), 2 on
 * wrong usage or a folder the port cannot open.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <degu_ota/posix.h>

#include "ota_priv.h"

static uint8_t block[CONFIG_DEGU_OTA_BLOCK_MAX];

int main(int argc, char **argv)
{
	struct ota_posix_config cfg = {
		.gateway_host = "127.0.0.1",
	};
	struct ota_image_info info;
	struct ota_posix *posix;
	uint8_t digest[OTA_MD5_SIZE];
	char hex[2 * OTA_MD5_SIZE + 1];
	char version[32];
	enum ota_slot slot;
	int ret;

	if (argc != 3 || (strcmp(argv[2], "0") != 0 && strcmp(argv[2], "1") != 0)) {
		fprintf(stderr, "usage: slot_md5 <device dir> <0|1>\n");
		return 2;
	}
	cfg.dir = argv[1];
	slot = argv[2][0] == '0' ? OTA_SLOT_RUNNING : OTA_SLOT_DOWNLOAD;

	ret = ota_posix_create(&cfg, &posix);
	if (ret < 0) {
		fprintf(stderr, "slot_md5: cannot open device folder %s (%d)\n", argv[1], ret);
		return 2;
	}

	ret = ota_image_digest(ota_posix_port(posix), slot, block, sizeof(block), &info, digest);
	ota_posix_destroy(posix);
	if (ret < 0) {
		fprintf(stderr, "slot_md5: no image digest for slot %s of %s (%d: %s)\n", argv[2],
			argv[1], ret, strerror(-ret));
		return 1;
	}

	ota_hex_encode(digest, sizeof(digest), hex);
	ota_image_version(&info, version, sizeof(version));
	printf("%s %u %s %u\n", hex, (unsigned int)info.length, version,
	       (unsigned int)info.protect_tlv_size);
	return 0;
}
