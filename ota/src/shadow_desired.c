/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The desired document.  Accepted shapes (all with any other keys, numbers and nesting around):
 * - a whole shadow document or the answer of GET update/status: {"state":{"desired":{...}}}
 *   gives the full desired state; an OTA key it lacks is absent;
 * - a delta {"state":{...}} (the shape of AWS IoT's delta documents): only the keys it
 *   carries change, merged into the last full desired state; null deletes a key.
 * A key with a value of the wrong type or form is kept as OTA_FIELD_BAD so that the decision
 * reports it as an error of that item.
 */

#include <errno.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota_desired);

/* struct ota keeps the tokens as int[4] so that ota_types.h needs no jsmn.h. */
typedef char tokens_fit_ints[(sizeof(jsmntok_t) == 4 * sizeof(int)) ? 1 : -1];

struct doc {
	const char *js;
	const jsmntok_t *tok;
	int count;
};

static bool tok_is(const struct doc *d, int i, const char *s)
{
	size_t len = strlen(s);

	return d->tok[i].type == JSMN_STRING && (size_t)(d->tok[i].end - d->tok[i].start) == len &&
	       memcmp(d->js + d->tok[i].start, s, len) == 0;
}

/* Index of the token after the value at @p i and everything nested in it. */
static int skip(const struct doc *d, int i)
{
	int end = d->tok[i].end;

	i++;
	while (i < d->count && d->tok[i].start < end) {
		i++;
	}
	return i;
}

/* Every key of every object is a string with exactly one value after it. */
static bool well_formed(const struct doc *d)
{
	int obj;

	for (obj = 0; obj < d->count; obj++) {
		int i = obj + 1;
		int n;

		if (d->tok[obj].type != JSMN_OBJECT) {
			continue;
		}
		for (n = 0; n < d->tok[obj].size; n++) {
			if (i + 1 >= d->count || d->tok[i].type != JSMN_STRING ||
			    d->tok[i].size != 1) {
				return false;
			}
			i = skip(d, i + 1);
		}
	}
	return true;
}

/* Value token of @p key in the object at @p obj, or -1. */
static int find_key(const struct doc *d, int obj, const char *key)
{
	int i = obj + 1;
	int n;

	for (n = 0; n < d->tok[obj].size; n++) {
		if (tok_is(d, i, key)) {
			return i + 1;
		}
		i = skip(d, i + 1);
	}
	return -1;
}

static bool is_null(const struct doc *d, int i)
{
	return d->tok[i].type == JSMN_PRIMITIVE && d->js[d->tok[i].start] == 'n';
}

/* Is the JSON string at @p i free of escapes (a URL or digest never needs one)? */
static bool plain_string(const struct doc *d, int i)
{
	return d->tok[i].type == JSMN_STRING &&
	       memchr(d->js + d->tok[i].start, '\\', (size_t)(d->tok[i].end - d->tok[i].start)) ==
		       NULL;
}

static void set_url(const struct doc *d, int i, struct ota_desired_item *item)
{
	size_t len = (size_t)(d->tok[i].end - d->tok[i].start);

	memset(item->url, 0, sizeof(item->url));
	if (!plain_string(d, i) || len == 0 || len >= sizeof(item->url)) {
		item->url_state = OTA_FIELD_BAD;
		return;
	}
	memcpy(item->url, d->js + d->tok[i].start, len);
	item->url_state = OTA_FIELD_SET;
}

static void set_ver(const struct doc *d, int i, struct ota_desired_item *item)
{
	size_t len = (size_t)(d->tok[i].end - d->tok[i].start);

	memset(item->digest, 0, sizeof(item->digest));
	if (!plain_string(d, i) || ota_md5_from_hex(d->js + d->tok[i].start, len, item->digest)) {
		item->ver_state = OTA_FIELD_BAD;
		return;
	}
	item->ver_state = OTA_FIELD_SET;
}

/* Apply the OTA keys of the object at @p obj; without @p merge, a missing key is absent. */
static void apply(const struct doc *d, int obj, bool merge, struct ota_desired *desired)
{
	char ver_key[24];
	int item;

	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		struct ota_desired_item *it = &desired->item[item];
		const char *key = ota_item_key((enum ota_item)item);
		int url = find_key(d, obj, key);
		int ver;

		ota_text_set(ver_key, sizeof(ver_key), key);
		ota_text_append(ver_key, sizeof(ver_key), "_ver");
		ver = find_key(d, obj, ver_key);

		if (url >= 0 && !is_null(d, url)) {
			set_url(d, url, it);
		} else if (url >= 0 || !merge) {
			it->url_state = OTA_FIELD_ABSENT;
			memset(it->url, 0, sizeof(it->url));
		}

		if (ver >= 0 && !is_null(d, ver)) {
			set_ver(d, ver, it);
		} else if (ver >= 0 || !merge) {
			it->ver_state = OTA_FIELD_ABSENT;
			memset(it->digest, 0, sizeof(it->digest));
		}
	}
}

static int refuse(struct ota *ota, const char *reason, int err)
{
	ota_text_set(ota->reason, sizeof(ota->reason), reason);
	OTA_LOG_WRN("Desired document refused: %s", reason);
	return err;
}

int ota_desired_parse(struct ota *ota, const char *doc, size_t len, struct ota_desired *desired)
{
	struct ota_desired result = *desired;
	jsmn_parser parser;
	struct doc d;
	int state;
	int inner;
	int ret;

	if (len > CONFIG_DEGU_OTA_DOC_MAX) {
		return refuse(ota, "desired document too large", -EFBIG);
	}

	jsmn_init(&parser);
	ret = jsmn_parse(&parser, doc, len, (jsmntok_t *)ota->json_tokens,
			 CONFIG_DEGU_OTA_JSON_TOKENS);
	if (ret == JSMN_ERROR_NOMEM) {
		return refuse(ota, "desired document too large", -EFBIG);
	}
	if (ret < 0) {
		return refuse(ota, "malformed JSON", -EINVAL);
	}

	d.js = doc;
	d.tok = (const jsmntok_t *)ota->json_tokens;
	d.count = ret;
	/* jsmn accepts several values in a row; a document is exactly one object. */
	if (d.count == 0 || d.tok[0].type != JSMN_OBJECT || skip(&d, 0) != d.count ||
	    !well_formed(&d)) {
		return refuse(ota, "malformed JSON", -EINVAL);
	}

	state = find_key(&d, 0, "state");
	if (state < 0 || d.tok[state].type != JSMN_OBJECT) {
		return refuse(ota, "no state object", -EINVAL);
	}

	inner = find_key(&d, state, "desired");
	if (inner >= 0) {
		if (is_null(&d, inner)) {
			/* The whole desired state was deleted. */
			memset(&result, 0, sizeof(result));
		} else if (d.tok[inner].type != JSMN_OBJECT) {
			return refuse(ota, "desired is not an object", -EINVAL);
		} else {
			apply(&d, inner, false, &result);
		}
	} else {
		apply(&d, state, true, &result);
	}

	*desired = result;
	return 0;
}

int ota_desired_build(const struct ota_desired *desired, char *buf, size_t cap)
{
	struct json_out out;
	char hex[2 * OTA_MD5_SIZE + 1];
	char ver_key[24];
	int item;

	json_out_init(&out, buf, cap);
	json_out_begin(&out);
	json_out_key(&out, "state");
	json_out_begin(&out);
	json_out_key(&out, "desired");
	json_out_begin(&out);
	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		const struct ota_desired_item *it = &desired->item[item];
		const char *key = ota_item_key((enum ota_item)item);

		if (it->url_state == OTA_FIELD_SET) {
			json_out_key(&out, key);
			json_out_str(&out, it->url);
		}
		if (it->ver_state == OTA_FIELD_SET) {
			ota_text_set(ver_key, sizeof(ver_key), key);
			ota_text_append(ver_key, sizeof(ver_key), "_ver");
			ota_hex_encode(it->digest, OTA_MD5_SIZE, hex);
			json_out_key(&out, ver_key);
			json_out_str(&out, hex);
		}
	}
	json_out_end(&out);
	json_out_end(&out);
	json_out_end(&out);
	return json_out_finish(&out);
}
