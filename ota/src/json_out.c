/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* A JSON writer into a fixed buffer: it never writes past it and remembers an overflow. */

#include <errno.h>
#include <string.h>

#include "ota_priv.h"

void json_out_init(struct json_out *out, char *buf, size_t cap)
{
	memset(out, 0, sizeof(*out));
	out->buf = buf;
	out->cap = cap;
	out->depth = -1;
}

static void put(struct json_out *out, const char *s, size_t len)
{
	/* One byte stays free for the NUL of json_out_finish(). */
	if (out->overflow || len >= out->cap - out->len) {
		out->overflow = true;
		return;
	}
	memcpy(out->buf + out->len, s, len);
	out->len += len;
}

static void put_char(struct json_out *out, char c)
{
	put(out, &c, 1);
}

void json_out_begin(struct json_out *out)
{
	if (out->depth + 1 >= JSON_OUT_DEPTH) {
		out->overflow = true;
		return;
	}
	put_char(out, '{');
	out->depth++;
	out->first[out->depth] = true;
}

void json_out_end(struct json_out *out)
{
	put_char(out, '}');
	if (out->depth >= 0) {
		out->depth--;
	}
}

void json_out_key(struct json_out *out, const char *key)
{
	if (out->depth < 0) {
		out->overflow = true;
		return;
	}
	if (!out->first[out->depth]) {
		put_char(out, ',');
	}
	out->first[out->depth] = false;
	json_out_str(out, key);
	put_char(out, ':');
}

void json_out_str(struct json_out *out, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	put_char(out, '"');
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		char esc[6] = {'\\', 'u', '0', '0', 0, 0};

		if (*p == '"' || *p == '\\') {
			esc[1] = (char)*p;
			put(out, esc, 2);
		} else if (*p < 0x20) {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0x0f];
			put(out, esc, sizeof(esc));
		} else {
			put_char(out, (char)*p);
		}
	}
	put_char(out, '"');
}

void json_out_uint(struct json_out *out, uint32_t value)
{
	char digits[11];
	size_t n = ota_format_uint(digits, value);

	put(out, digits, n);
}

void json_out_null(struct json_out *out)
{
	put(out, "null", 4);
}

int json_out_finish(struct json_out *out)
{
	if (out->cap == 0) {
		return -ENOSPC;
	}
	out->buf[out->overflow ? 0 : out->len] = '\0';
	if (out->overflow || out->depth != -1) {
		return -ENOSPC;
	}
	return (int)out->len;
}
