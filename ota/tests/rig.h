/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* A device under test: the fake port, the core's context, and helpers to script them. */

#ifndef DEGU_OTA_TEST_RIG_H_
#define DEGU_OTA_TEST_RIG_H_

#include <stddef.h>
#include <stdint.h>

#include "degu_ota/ota.h"
#include "fake_port.h"

#define RIG_EUI       "0123456789abcdef"
#define RIG_SLOT_SIZE (64 * 1024)
#define RIG_ERASE     4096
#define RIG_WBLOCK    8

struct rig {
	struct fake_port fake;
	struct ota ota;
	struct ota_config cfg;
	char desired[4096];
	int init_ret;
	int boot_ret;
	enum ota_boot_action action;
};

struct rig *rig_new(void);
void rig_free(struct rig *rig);

/** ota_init() then ota_boot(), results in rig->init_ret, rig->boot_ret, rig->action. */
int rig_boot(struct rig *rig);
/** Power-cycle, init and boot until a boot installs nothing, at most @p max boots. */
int rig_converge(struct rig *rig, int max);

/** Lowercase MD5 hex of @p data, computed with mbedtls directly. */
void md5_hex(const void *data, size_t len, char out[33]);

/** printf into rig->desired and serve it as desired. */
void rig_desired(struct rig *rig, const char *fmt, ...);

/**
 * An MCUboot image of @p payload bytes (hdr 0x200, version 1.2.3+4 unless changed, a fake
 * SHA-256 TLV; @p protected_tlv adds a protected area).  @return its length.
 */
size_t make_image(uint8_t *buf, size_t cap, size_t payload, uint8_t seed, uint8_t major,
		  int protected_tlv);
void rig_put_running(struct rig *rig, const uint8_t *img, size_t len);

/** The file's contents as a NUL-terminated string (static buffer), or NULL. */
const char *rig_file(struct rig *rig, const char *name);

#endif /* DEGU_OTA_TEST_RIG_H_ */
