/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#include <errno.h>
#include <string.h>

#include "ota_priv.h"

static const char *const item_keys[OTA_ITEM_COUNT] = {"script_user", "config_user",
						      "firmware_system"};
/* The FAT volume is case-insensitive; these are the names main.py and CONFIG are known by. */
static const char *const item_files[OTA_ITEM_COUNT] = {"main.py", "CONFIG", NULL};
static const char *const item_temps[OTA_ITEM_COUNT] = {"main.new", "config.new", NULL};

void ota_text_copy(char *dst, size_t size, const char *src, size_t len)
{
	size_t i;

	if (size == 0) {
		return;
	}
	if (len > size - 1) {
		len = size - 1;
	}
	/* Diagnostics come from the network: keep them printable ASCII so that a cut never
	 * splits a UTF-8 sequence and the reported JSON stays valid.
	 */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[len] = '\0';
}

void ota_text_set(char *dst, size_t size, const char *src)
{
	ota_text_copy(dst, size, src, strlen(src));
}

void ota_text_append(char *dst, size_t size, const char *src)
{
	size_t used = strlen(dst);

	if (used + 1 >= size) {
		return;
	}
	ota_text_copy(dst + used, size - used, src, strlen(src));
}

void ota_hex_encode(const uint8_t *bin, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int ota_md5_from_hex(const char *hex, size_t len, uint8_t digest[OTA_MD5_SIZE])
{
	size_t i;

	if (len != 2 * OTA_MD5_SIZE) {
		return -EINVAL;
	}
	for (i = 0; i < OTA_MD5_SIZE; i++) {
		int hi = hex_value(hex[2 * i]);
		int lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			return -EINVAL;
		}
		digest[i] = (uint8_t)((hi << 4) | lo);
	}
	return 0;
}

size_t ota_format_uint(char *out, uint32_t value)
{
	char tmp[10];
	size_t n = 0;
	size_t i;

	do {
		tmp[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);

	for (i = 0; i < n; i++) {
		out[i] = tmp[n - 1 - i];
	}
	out[n] = '\0';
	return n;
}

const char *ota_item_key(enum ota_item item)
{
	return item_keys[item];
}

const char *ota_item_file(enum ota_item item)
{
	return item_files[item];
}

const char *ota_item_temp(enum ota_item item)
{
	return item_temps[item];
}
