/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md5.h>
#include <mbedtls/version.h>

#include "ota_log_stderr.h"
#include "rig.h"

struct rig *rig_new(void)
{
	struct rig *rig = calloc(1, sizeof(*rig));

	if (rig == NULL || fake_port_init(&rig->fake, RIG_SLOT_SIZE, RIG_ERASE, RIG_WBLOCK) != 0) {
		fprintf(stderr, "rig: out of memory\n");
		exit(2);
	}
	if (getenv("DEGU_OTA_LOG_LEVEL") == NULL) {
		ota_log_stderr_set_level(0);
	}
	rig->cfg.port = &rig->fake.port;
	rig->cfg.eui64 = RIG_EUI;
	return rig;
}

void rig_free(struct rig *rig)
{
	fake_port_free(&rig->fake);
	free(rig);
}

int rig_boot(struct rig *rig)
{
	rig->action = OTA_BOOT_RUN;
	rig->boot_ret = -1;
	rig->init_ret = ota_init(&rig->ota, &rig->cfg);
	if (rig->init_ret != 0) {
		return rig->init_ret;
	}
	rig->boot_ret = ota_boot(&rig->ota, &rig->action);
	return rig->boot_ret;
}

int rig_converge(struct rig *rig, int max)
{
	int boots;

	for (boots = 1; boots <= max; boots++) {
		fake_power_cycle(&rig->fake);
		rig_boot(rig);
		if (rig->init_ret == 0 && rig->boot_ret == 0 && rig->action == OTA_BOOT_RUN) {
			return boots;
		}
	}
	return -1;
}

void md5_hex(const void *data, size_t len, char out[33])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char d[16];
	int i;

#if MBEDTLS_VERSION_MAJOR >= 3
	mbedtls_md5(data, len, d);
#else
	mbedtls_md5_ret(data, len, d);
#endif
	for (i = 0; i < 16; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[32] = '\0';
}

void rig_desired(struct rig *rig, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rig->desired, sizeof(rig->desired), fmt, ap);
	va_end(ap);
	fake_set_desired(&rig->fake, rig->desired);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

size_t make_image(uint8_t *buf, size_t cap, size_t payload, uint8_t seed, uint8_t major,
		  int protected_tlv)
{
	const size_t hdr = 0x200;
	const uint16_t prot = protected_tlv ? 4 + 4 + 4 : 0;
	const uint16_t tlv = 4 + 4 + 32;
	size_t len = hdr + payload + prot + tlv;
	size_t off;
	size_t i;

	if (len > cap) {
		fprintf(stderr, "make_image: %zu bytes do not fit %zu\n", len, cap);
		exit(2);
	}
	memset(buf, 0, hdr);
	put32(buf, 0x96f3b83d);
	put16(buf + 8, (uint16_t)hdr);
	put16(buf + 10, prot);
	put32(buf + 12, (uint32_t)payload);
	buf[20] = major;
	buf[21] = 2;
	put16(buf + 22, 3);
	put32(buf + 24, 4);
	for (i = 0; i < payload; i++) {
		buf[hdr + i] = (uint8_t)(i * 31 + seed);
	}
	off = hdr + payload;
	if (prot != 0) {
		put16(buf + off, 0x6908);
		put16(buf + off + 2, prot);
		put16(buf + off + 4, 0x50); /* security counter */
		put16(buf + off + 6, 4);
		put32(buf + off + 8, 5);
		off += prot;
	}
	put16(buf + off, 0x6907);
	put16(buf + off + 2, tlv);
	put16(buf + off + 4, 0x10); /* SHA-256, here just bytes */
	put16(buf + off + 6, 32);
	for (i = 0; i < 32; i++) {
		buf[off + 8 + i] = (uint8_t)(seed ^ i);
	}
	return len;
}

void rig_put_running(struct rig *rig, const uint8_t *img, size_t len)
{
	memset(rig->fake.slot[0], 0xff, rig->fake.slot_size);
	memcpy(rig->fake.slot[0], img, len);
}

const char *rig_file(struct rig *rig, const char *name)
{
	static char text[FAKE_FILE_MAX + 1];
	const struct fake_file *f = fake_file_find(&rig->fake, name);

	if (f == NULL) {
		return NULL;
	}
	memcpy(text, f->data, f->size);
	text[f->size] = '\0';
	return text;
}
