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

/* Index of the token after the value at i and everything nested in it. */
static int skip(const struct doc *d, int i)
{
	int end = d->tok[i].end;

	i++;
	while (i < d->count && d->tok[i].start < end) {
		i++;
	}
	return i;
}

/* Containers open at once while checking a document; a key counts as one.  JSON nested deeper
 * than half of this is refused as too large: the check must run in a fixed, small stack.
 */
#define WALK_DEPTH 32

enum walk_kind {
	WALK_OBJECT,
	WALK_KEY,
	WALK_ARRAY,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? over exactly [p, end). */
static bool valid_number(const char *p, const char *end)
{
	if (p < end && *p == '-') {
		p++;
	}
	if (p < end && *p == '0') {
		p++;
	} else if (p < end && is_digit(*p)) {
		while (p < end && is_digit(*p)) {
			p++;
		}
	} else {
		return false;
	}
	if (p < end && *p == '.') {
		p++;
		if (p == end || !is_digit(*p)) {
			return false;
		}
		while (p < end && is_digit(*p)) {
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-')) {
			p++;
		}
		if (p == end || !is_digit(*p)) {
			return false;
		}
		while (p < end && is_digit(*p)) {
			p++;
		}
	}
	return p == end;
}

/* jsmn takes any run of printable bytes for a primitive; JSON has four kinds. */
static bool valid_primitive(const struct doc *d, int i)
{
	const char *p = d->js + d->tok[i].start;
	size_t len = (size_t)(d->tok[i].end - d->tok[i].start);

	if ((len == 4 && memcmp(p, "true", 4) == 0) || (len == 5 && memcmp(p, "false", 5) == 0) ||
	    (len == 4 && memcmp(p, "null", 4) == 0)) {
		return true;
	}
	return valid_number(p, p + len);
}

/* A string or primitive as a value holds nothing; a primitive must be one JSON knows. */
static bool value_valid(const struct doc *d, int i)
{
	const jsmntok_t *t = &d->tok[i];

	if (t->type == JSMN_STRING) {
		return t->size == 0;
	}
	if (t->type == JSMN_PRIMITIVE) {
		return t->size == 0 && valid_primitive(d, i);
	}
	return true;
}

/*
 * The token sizes do not show a comma or colon too many: `{"a":1,}`, `[,1]`, `{"a"::1}`.
 * Outside strings, no separator may follow an opening bracket, a comma or a colon.
 */
static bool separators_valid(const char *js, size_t len)
{
	bool in_string = false;
	char prev = '\0';
	size_t i;

	for (i = 0; i < len; i++) {
		char c = js[i];

		if (in_string) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_string = false;
			}
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		}
		if ((c == ',' || c == ':' || c == '}' || c == ']') &&
		    (prev == ',' || prev == ':' || (prev == '{' && c != '}') ||
		     (prev == '[' && c != ']'))) {
			return false;
		}
		in_string = c == '"';
		prev = c;
	}
	return true;
}

/*
 * jsmn checks little of the grammar (it takes `{"a":"b",:"c":"d"}`, a trailing comma, a value
 * string with a value of its own, `nope`).  Walk the tokens by their sizes from the root: an
 * object holds keys (strings with exactly one value), a key or an array holds values, a value
 * string or primitive holds nothing, and the root must end exactly at the last token.
 * Returns 0, -EINVAL for malformed JSON, -EFBIG for JSON nested too deep.
 */
static int check_grammar(const struct doc *d)
{
	int16_t left[WALK_DEPTH];
	uint8_t kind[WALK_DEPTH];
	int top = 0;
	int i;

	for (i = 0; i < d->count; i++) {
		const jsmntok_t *t = &d->tok[i];
		bool want_key = top > 0 && kind[top - 1] == WALK_OBJECT;

		if (want_key) {
			if (t->type != JSMN_STRING || t->size != 1) {
				return -EINVAL;
			}
		} else if ((i == 0 && t->type != JSMN_OBJECT) || !value_valid(d, i)) {
			return -EINVAL;
		}
		if (top > 0) {
			left[top - 1]--;
		}

		if (t->size > 0) {
			if (top == WALK_DEPTH) {
				return -EFBIG;
			}
			left[top] = (int16_t)t->size;
			kind[top] = want_key ? WALK_KEY
					     : (t->type == JSMN_OBJECT ? WALK_OBJECT : WALK_ARRAY);
			top++;
		}
		while (top > 0 && left[top - 1] == 0) {
			top--;
		}
		if (top == 0) {
			/* The root value ends here: nothing may follow it. */
			return i + 1 == d->count ? 0 : -EINVAL;
		}
	}
	return -EINVAL;
}

/* Value token of key in the object at obj, or -1. */
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

/*
 * Is the JSON string at i free of escapes and of control bytes (a URL or digest never has
 * one)?  jsmn takes a raw control byte, which JSON forbids; the reported document would carry
 * it as a six-byte escape and could outgrow its 1024 bytes.
 */
static bool plain_string(const struct doc *d, int i)
{
	const char *p = d->js + d->tok[i].start;
	const char *end = d->js + d->tok[i].end;

	if (d->tok[i].type != JSMN_STRING) {
		return false;
	}
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\' || c < 0x20 || c == 0x7f) {
			return false;
		}
	}
	return true;
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

/* Apply the OTA keys of the object at obj; without merge, a missing key is absent. */
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
	/* jsmn stops at a NUL: the bytes after one would go unchecked. */
	if (memchr(doc, '\0', len) != NULL || !separators_valid(doc, len)) {
		return refuse(ota, "malformed JSON", -EINVAL);
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
	ret = check_grammar(&d);
	if (ret == -EFBIG) {
		return refuse(ota, "desired document too large", -EFBIG);
	}
	if (ret < 0) {
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
