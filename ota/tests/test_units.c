/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The core's parts on their own: text, JSON out, desired parsing, reported, image, state. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ota_priv.h"
#include "rig.h"

static const uint8_t md5_a[16] = {0x0c, 0xc1, 0x75, 0xb9, 0xc0, 0xf1, 0xb6, 0xa8,
				  0x31, 0xc3, 0x99, 0xe2, 0x69, 0x77, 0x26, 0x61};

static void test_text(void)
{
	uint8_t d[16];
	char hex[33];
	char small[5];
	char num[11];

	CHECK_INT(ota_md5_from_hex("0CC175B9C0F1B6A831C399E269772661", 32, d), 0);
	CHECK(memcmp(d, md5_a, 16) == 0);
	ota_hex_encode(d, 16, hex);
	CHECK_STR(hex, "0cc175b9c0f1b6a831c399e269772661");
	CHECK_INT(ota_md5_from_hex("0cc175b9c0f1b6a831c399e26977266", 31, d), -EINVAL);
	CHECK_INT(ota_md5_from_hex("0cc175b9c0f1b6a831c399e2697726611", 33, d), -EINVAL);
	CHECK_INT(ota_md5_from_hex("0cc175b9c0f1b6a831c399e26977266g", 32, d), -EINVAL);
	CHECK_INT(ota_md5_from_hex("none", 4, d), -EINVAL);

	ota_text_copy(small, sizeof(small), "ab\ncdef", 7);
	CHECK_STR(small, "ab?c");
	CHECK_INT(ota_format_uint(num, 4294967295U), 10);
	CHECK_STR(num, "4294967295");
	CHECK_INT(ota_format_uint(num, 0), 1);
	CHECK_STR(num, "0");
}

static void test_json_out(void)
{
	struct json_out out;
	char buf[64];
	char tiny[12];

	json_out_init(&out, buf, sizeof(buf));
	json_out_begin(&out);
	json_out_key(&out, "a\"b");
	json_out_str(&out, "q\"\\\n\x01");
	json_out_key(&out, "n");
	json_out_uint(&out, 42);
	json_out_key(&out, "o");
	json_out_begin(&out);
	json_out_end(&out);
	json_out_end(&out);
	CHECK_INT(json_out_finish(&out), (int)strlen(buf));
	CHECK_STR(buf, "{\"a\\\"b\":\"q\\\"\\\\\\u000a\\u0001\",\"n\":42,\"o\":{}}");

	memset(tiny, 'X', sizeof(tiny));
	json_out_init(&out, tiny, 8);
	json_out_begin(&out);
	json_out_key(&out, "long key");
	json_out_str(&out, "value");
	json_out_end(&out);
	CHECK_INT(json_out_finish(&out), -ENOSPC);
	CHECK_STR(tiny, "");
	CHECK(tiny[8] == 'X' && tiny[11] == 'X');
}

static const char full_doc[] =
	"{\"state\":{\"desired\":{\"script_user\":\"http://h/main.py\","
	"\"script_user_ver\":\"0CC175B9C0F1B6A831C399E269772661\","
	"\"other\":{\"a\":[1,2,{\"b\":null}],\"t\":true},\"n\":-1.5e3,"
	"\"config_user\":\"http://h/CONFIG\"},"
	"\"reported\":{\"script_user_ver\":\"none\","
	"\"firmware_system_ver\":\"5d41402abc4b2a76b9719d911017c592\"},"
	"\"delta\":{\"x\":1}},"
	"\"metadata\":{\"desired\":{\"script_user\":{\"timestamp\":1}}},"
	"\"version\":12,\"timestamp\":1700000000}";

static const char delta_doc[] =
	"{\"state\":{\"script_user\":null,\"firmware_system\":\"http://h/d.bin\","
	"\"firmware_system_ver\":\"5d41402abc4b2a76b9719d911017c592\"},"
	"\"metadata\":{},\"version\":13}";

static int parse(struct rig *rig, const char *doc, struct ota_desired *d)
{
	return ota_desired_parse(&rig->ota, doc, strlen(doc), d);
}

static void test_desired_full_and_delta(struct rig *rig)
{
	struct ota_desired d;
	struct ota_desired before;
	int ret;

	memset(&d, 0, sizeof(d));
	ret = ota_desired_parse(&rig->ota, full_doc, strlen(full_doc), &d);
	CHECK_INT(ret, 0);
	CHECK_INT(d.item[0].url_state, OTA_FIELD_SET);
	CHECK_STR(d.item[0].url, "http://h/main.py");
	CHECK_INT(d.item[0].ver_state, OTA_FIELD_SET);
	CHECK(memcmp(d.item[0].digest, md5_a, 16) == 0);
	CHECK_INT(d.item[1].url_state, OTA_FIELD_SET);
	CHECK_INT(d.item[1].ver_state, OTA_FIELD_ABSENT);
	/* reported's firmware_system_ver is not desired */
	CHECK_INT(d.item[2].ver_state, OTA_FIELD_ABSENT);

	/* delta: only the keys it carries change; null deletes */
	ret = parse(rig, delta_doc, &d);
	CHECK_INT(ret, 0);
	CHECK_INT(d.item[0].url_state, OTA_FIELD_ABSENT);
	CHECK_INT(d.item[0].ver_state, OTA_FIELD_SET);
	CHECK_INT(d.item[1].url_state, OTA_FIELD_SET);
	CHECK_INT(d.item[2].url_state, OTA_FIELD_SET);
	CHECK_STR(d.item[2].url, "http://h/d.bin");
	CHECK_INT(d.item[2].ver_state, OTA_FIELD_SET);

	/* a full desired state replaces: keys it lacks are absent */
	ret = parse(rig, "{\"state\":{\"desired\":{\"config_user_ver\":\"abc\"}}}", &d);
	CHECK_INT(ret, 0);
	CHECK_INT(d.item[0].ver_state, OTA_FIELD_ABSENT);
	CHECK_INT(d.item[1].url_state, OTA_FIELD_ABSENT);
	CHECK_INT(d.item[1].ver_state, OTA_FIELD_BAD);
	CHECK_INT(d.item[2].url_state, OTA_FIELD_ABSENT);

	/* refused documents leave the state as it was, with a reason */
	before = d;
	CHECK_INT(ota_desired_parse(&rig->ota, "{\"state\":{\"desired\":", 20, &d), -EINVAL);
	CHECK_STR(rig->ota.reason, "malformed JSON");
	CHECK_INT(ota_desired_parse(&rig->ota, "[1,2]", 5, &d), -EINVAL);
	CHECK_STR(rig->ota.reason, "malformed JSON");
	CHECK_INT(ota_desired_parse(&rig->ota, "{\"a\":1}{\"b\":2}", 14, &d), -EINVAL);
	CHECK_INT(ota_desired_parse(&rig->ota, "{\"a\"}", 5, &d), -EINVAL);
	CHECK_INT(ota_desired_parse(&rig->ota, "", 0, &d), -EINVAL);
	CHECK_INT(ota_desired_parse(&rig->ota, "{\"state\":1}", 11, &d), -EINVAL);
	CHECK_STR(rig->ota.reason, "no state object");
	CHECK_INT(ota_desired_parse(&rig->ota, "{\"version\":1}", 13, &d), -EINVAL);
	CHECK_STR(rig->ota.reason, "no state object");
	CHECK(memcmp(&before, &d, sizeof(d)) == 0);
}

static void test_desired_fields(struct rig *rig)
{
	static const struct {
		const char *ver;
		int state;
	} rows[] = {
		{"\"0cc175b9c0f1b6a831c399e269772661\"", OTA_FIELD_SET},
		{"\"0CC175B9C0F1B6A831C399E269772661\"", OTA_FIELD_SET},
		{"\"0cc175b9c0f1b6a831c399e26977266\"", OTA_FIELD_BAD},
		{"\"0cc175b9c0f1b6a831c399e2697726610\"", OTA_FIELD_BAD},
		{"\"0cc175b9c0f1b6a831c399e26977266z\"", OTA_FIELD_BAD},
		{"\"none\"", OTA_FIELD_BAD},
		{"12", OTA_FIELD_BAD},
		{"{\"x\":1}", OTA_FIELD_BAD},
		{"\"0cc175b9c0f1b6a831c399e26977266\\u0031\"", OTA_FIELD_BAD},
		{"null", OTA_FIELD_ABSENT},
	};
	struct ota_desired d;
	char doc[512];
	char url[300];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&d, 0, sizeof(d));
		snprintf(doc, sizeof(doc), "{\"state\":{\"desired\":{\"script_user_ver\":%s}}}",
			 rows[i].ver);
		CHECK_INT(ota_desired_parse(&rig->ota, doc, strlen(doc), &d), 0);
		if (d.item[0].ver_state != rows[i].state) {
			fprintf(stderr, "row %zu: %s\n", i, rows[i].ver);
		}
		CHECK_INT(d.item[0].ver_state, rows[i].state);
	}

	memset(url, 'u', sizeof(url));
	url[CONFIG_DEGU_OTA_URL_MAX] = '\0';
	snprintf(doc, sizeof(doc), "{\"state\":{\"desired\":{\"script_user\":\"%s\"}}}", url);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, strlen(doc), &d), 0);
	CHECK_INT(d.item[0].url_state, OTA_FIELD_BAD);
	url[CONFIG_DEGU_OTA_URL_MAX - 1] = '\0';
	snprintf(doc, sizeof(doc), "{\"state\":{\"desired\":{\"script_user\":\"%s\"}}}", url);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, strlen(doc), &d), 0);
	CHECK_INT(d.item[0].url_state, OTA_FIELD_SET);

	/* a raw control byte (invalid JSON; jsmn takes it) would be reported as 6 bytes: refused */
	url[5] = '\t';
	snprintf(doc, sizeof(doc), "{\"state\":{\"desired\":{\"script_user\":\"%s\"}}}", url);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, strlen(doc), &d), 0);
	CHECK_INT(d.item[0].url_state, OTA_FIELD_BAD);
	url[5] = 0x7f;
	snprintf(doc, sizeof(doc), "{\"state\":{\"desired\":{\"script_user\":\"%s\"}}}", url);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, strlen(doc), &d), 0);
	CHECK_INT(d.item[0].url_state, OTA_FIELD_BAD);
}

/* What jsmn alone let through (the review's probes), and valid JSON that must stay accepted. */
static void test_desired_grammar(struct rig *rig)
{
#define V "0123456789abcdef0123456789abcdef"
#define PRE "{\"state\":{\"desired\":{"
	static const struct {
		const char *doc;
		int ret;
	} rows[] = {
		/* a key dropped silently behind a stray colon */
		{PRE "\"a\":\"b\",:\"c\":\"d\",\"script_user\":\"u\",\"script_user_ver\":\"" V
		     "\"}}}", -EINVAL},
		{PRE "\"script_user\":\"u\",\"script_user_ver\":\"" V "\",}}}", -EINVAL},
		{PRE "\"script_user\":nope,\"script_user_ver\":\"" V "\"}}}", -EINVAL},
		{PRE "\"script_user\":\"u\" \"script_user_ver\":\"" V "\"}}}", -EINVAL},
		{PRE "\"script_user\":\"u\",\"script_user_ver\":\"" V "\"}}} {}", -EINVAL},
		{"{\"a\":[1,]}", -EINVAL},
		{"{\"a\":[,1]}", -EINVAL},
		{"{,\"a\":1}", -EINVAL},
		{"{\"a\"::1}", -EINVAL},
		{"{\"a\":1,,\"b\":2}", -EINVAL},
		{"{\"a\":01}", -EINVAL},
		{"{\"a\":1.}", -EINVAL},
		{"{\"a\":-}", -EINVAL},
		{"{\"a\":1e}", -EINVAL},
		{"{\"a\":tru}", -EINVAL},
		{"{\"a\":nulls}", -EINVAL},
		{"{\"a\":\"b\":\"c\"}", -EINVAL},
		{"{\"state\":{}}", 0},
		{"{\"state\":{},\"a\":[],\"b\":{},\"c\":[[1,2],{\"d\":null}]}", 0},
		{"{\"state\":{},\"n\":[0,-0,1.5,-2e10,3E+2,4.25e-3,1e999999999]}", 0},
		{"{\"state\":{},\"t\":true,\"f\":false,\"z\":null,\"s\":\"x,:}]\\\"y\"}", 0},
		{" \r\n\t{ \"state\" : { } } \n", 0},
	};
	static const char nul_doc[] = PRE "\"script_user\":\"u\",\"script_user_ver\":\"" V
					  "\"}}}\0{";
	struct ota_desired d;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = strlen(rows[i].doc);
		int ret;

		memset(&d, 0, sizeof(d));
		rig->ota.reason[0] = '\0';
		ret = ota_desired_parse(&rig->ota, rows[i].doc, len, &d);
		if (ret != rows[i].ret) {
			fprintf(stderr, "row %zu: %s\n", i, rows[i].doc);
		}
		CHECK_INT(ret, rows[i].ret);
		CHECK_STR(rig->ota.reason, rows[i].ret == 0 ? "" : "malformed JSON");
		if (ret < 0) {
			CHECK_INT(d.item[0].ver_state, OTA_FIELD_ABSENT);
			CHECK_INT(d.item[0].url_state, OTA_FIELD_ABSENT);
		}
	}

	/* jsmn stops at an embedded NUL: the document must not end there unnoticed */
	CHECK_INT(ota_desired_parse(&rig->ota, nul_doc, sizeof(nul_doc) - 1, &d), -EINVAL);
	CHECK_STR(rig->ota.reason, "malformed JSON");
#undef PRE
#undef V
}

/* {"state":{},"a":[[...]]} with depth arrays. */
static size_t nested(char *doc, int depth)
{
	size_t len = (size_t)sprintf(doc, "{\"state\":{},\"a\":");
	int i;

	for (i = 0; i < depth; i++) {
		doc[len++] = '[';
	}
	for (i = 0; i < depth; i++) {
		doc[len++] = ']';
	}
	doc[len++] = '}';
	return len;
}

static void test_desired_oversize(struct rig *rig)
{
	static char doc[CONFIG_DEGU_OTA_DOC_MAX + 64];
	struct ota_desired d;
	size_t len;
	int i;

	memset(&d, 0, sizeof(d));
	/* more tokens than the parser has */
	len = (size_t)snprintf(doc, sizeof(doc), "{\"state\":{\"desired\":{\"a\":[");
	for (i = 0; i < CONFIG_DEGU_OTA_JSON_TOKENS; i++) {
		len += (size_t)snprintf(doc + len, sizeof(doc) - len, "%s1", i ? "," : "");
	}
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, "]}}}");
	CHECK_INT(ota_desired_parse(&rig->ota, doc, len, &d), -EFBIG);
	CHECK_STR(rig->ota.reason, "desired document too large");

	/* The grammar check keeps a fixed stack of 32 open containers and keys: the root object,
	 * the key "a" and 30 arrays with an empty one inside fit, one more does not.
	 */
	len = nested(doc, 31);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, len, &d), 0);
	len = nested(doc, 32);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, len, &d), -EFBIG);
	CHECK_STR(rig->ota.reason, "desired document too large");

	memset(doc, ' ', sizeof(doc));
	memcpy(doc, "{\"state\":{}}", 12);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, CONFIG_DEGU_OTA_DOC_MAX, &d), 0);
	CHECK_INT(ota_desired_parse(&rig->ota, doc, CONFIG_DEGU_OTA_DOC_MAX + 1, &d), -EFBIG);
	CHECK_STR(rig->ota.reason, "desired document too large");
}

static void test_desired_build(void)
{
	struct ota_desired d;
	char buf[512];

	memset(&d, 0, sizeof(d));
	d.item[0].url_state = OTA_FIELD_SET;
	strcpy(d.item[0].url, "http://h/main.py");
	d.item[0].ver_state = OTA_FIELD_SET;
	memcpy(d.item[0].digest, md5_a, 16);
	d.item[2].ver_state = OTA_FIELD_BAD;
	CHECK(ota_desired_build(&d, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "{\"state\":{\"desired\":{\"script_user\":\"http://h/main.py\","
		       "\"script_user_ver\":\"0cc175b9c0f1b6a831c399e269772661\"}}}");
	CHECK_INT(ota_desired_build(&d, buf, 20), -ENOSPC);
}

static void test_reported(struct rig *rig)
{
	struct ota *ota = &rig->ota;
	char buf[1100];
	int len;

	memset(ota, 0, sizeof(*ota));
	ota->installed[0].present = true;
	memcpy(ota->installed[0].digest, md5_a, 16);
	ota->installed[2].present = true;
	ota_md5_from_hex("5d41402abc4b2a76b9719d911017c592", 32, ota->installed[2].digest);
	strcpy(ota->state.item[0].url, "http://h/main.py");
	strcpy(ota->state.item[2].url, "http://h/degu.bin");
	strcpy(ota->fw_version, "1.2.3+4");
	ota->run_state = OTA_STATE_FAILED;
	ota->run_item = 2;
	strcpy(ota->run_error, "digest \"mismatch\"");
	ota->state.item[2].has_tried = 1;
	ota->state.item[2].attempts = 2;
	memcpy(ota->state.item[2].tried, md5_a, 16);
	strcpy(ota->state.item[2].error, "digest \"mismatch\"");

	len = ota_reported_build(ota, OTA_REPORT_RECORDS, buf, sizeof(buf));
	CHECK_INT(len, (int)strlen(buf));
	CHECK_STR(buf, "{\"state\":{\"reported\":{\"script_user\":\"http://h/main.py\","
		       "\"script_user_ver\":\"0cc175b9c0f1b6a831c399e269772661\","
		       "\"config_user_ver\":\"none\",\"firmware_system\":\"http://h/degu.bin\","
		       "\"firmware_system_ver\":\"5d41402abc4b2a76b9719d911017c592\","
		       "\"firmware_version\":\"1.2.3+4\",\"ota\":{\"state\":\"failed\","
		       "\"item\":\"firmware_system\",\"error\":\"digest \\\"mismatch\\\"\","
		       "\"attempts\":2,\"items\":{\"script_user\":null,\"config_user\":null,"
		       "\"firmware_system\":{\"ver\":"
		       "\"0cc175b9c0f1b6a831c399e269772661\",\"attempts\":2,\"error\":"
		       "\"digest \\\"mismatch\\\"\"}}}}}}");

	/* on trial the firmware keys stay out until the image is confirmed */
	ota->run_state = OTA_STATE_TRIAL;
	ota->run_error[0] = '\0';
	len = ota_reported_build(ota, OTA_REPORT_NO_ITEMS, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK_LACKS(buf, "firmware_system_ver");
	CHECK_LACKS(buf, "\"firmware_system\":");
	CHECK_LACKS(buf, "firmware_version");
	CHECK_HAS(buf, "\"ota\":{\"state\":\"trial\",\"item\":\"firmware_system\"");
	CHECK_LACKS(buf, "items");

	CHECK_INT(ota_reported_build(ota, OTA_REPORT_RECORDS, buf, 100), -ENOSPC);

	/* the fallback for a long document: only the nulls, none when every item has a record */
	ota->run_state = OTA_STATE_FAILED;
	len = ota_reported_build(ota, OTA_REPORT_NULLS, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK_HAS(buf, "\"attempts\":2,\"items\":{\"script_user\":null,\"config_user\":null}}}}}");
	strcpy(ota->state.item[0].error, "gap");
	strcpy(ota->state.item[1].error, "gap");
	len = ota_reported_build(ota, OTA_REPORT_NULLS, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK_HAS(buf, "\"attempts\":2}}}}");
	CHECK_LACKS(buf, "items");
}

/*
 * The longest reported document: three 127-byte URLs, the longest version, every error 63
 * quotes (escaped to 126 bytes), 255 attempts.  With the records it is over 1024 bytes; the
 * fallback with the nulls that delete cleared records must always fit.
 */
static void test_reported_worst_case(struct rig *rig)
{
	struct ota *ota = &rig->ota;
	char buf[CONFIG_DEGU_OTA_REPORT_MAX + 1];
	int len;
	int item;

	memset(ota, 0, sizeof(*ota));
	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		struct ota_item_record *rec = &ota->state.item[item];

		ota->installed[item].present = true;
		memset(rec->url, 'u', sizeof(rec->url) - 1);
		memset(rec->error, '"', sizeof(rec->error) - 1);
		rec->has_tried = 1;
		rec->attempts = 255;
	}
	strcpy(ota->fw_version, "255.255.65535+4294967295");
	ota->run_state = OTA_STATE_UPDATED;
	ota->run_item = OTA_ITEM_FIRMWARE;
	memset(ota->run_error, '"', sizeof(ota->run_error) - 1);

	CHECK_INT(ota_reported_build(ota, OTA_REPORT_RECORDS, buf, sizeof(buf)), -ENOSPC);
	len = ota_reported_build(ota, OTA_REPORT_NULLS, buf, sizeof(buf));
	printf("worst-case reported document without records: %d bytes\n", len);
	CHECK(len > 0 && len <= CONFIG_DEGU_OTA_REPORT_MAX);
	CHECK_LACKS(buf, "items");

	/* all three cleared: the nulls on top of the longest rest still fit */
	for (item = 0; item < OTA_ITEM_COUNT; item++) {
		ota->state.item[item].error[0] = '\0';
	}
	len = ota_reported_build(ota, OTA_REPORT_RECORDS, buf, sizeof(buf));
	printf("worst-case reported document with three nulls: %d bytes\n", len);
	CHECK(len > 0 && len <= CONFIG_DEGU_OTA_REPORT_MAX);
	CHECK_HAS(buf, "\"items\":{\"script_user\":null,\"config_user\":null,"
		       "\"firmware_system\":null}}}}}");
	CHECK_INT(ota_reported_build(ota, OTA_REPORT_NULLS, buf, sizeof(buf)), len);
}

static void test_image(struct rig *rig)
{
	static uint8_t img[8192];
	struct ota_image_info info;
	uint8_t digest[16];
	char hex[33];
	char want[33];
	char ver[32];
	size_t len;

	len = make_image(img, sizeof(img), 3000, 7, 1, 0);
	rig_put_running(rig, img, len);
	CHECK_INT(ota_image_parse(&rig->fake.port, OTA_SLOT_RUNNING, &info), 0);
	CHECK_INT(info.length, len);
	CHECK_INT(info.hdr_size, 0x200);
	CHECK_INT(info.img_size, 3000);
	CHECK_INT(info.tlv_size, 40);
	ota_image_version(&info, ver, sizeof(ver));
	CHECK_STR(ver, "1.2.3+4");
	CHECK_INT(ota_image_digest(&rig->fake.port, OTA_SLOT_RUNNING, rig->ota.block, 100, &info,
				   digest),
		  0);
	ota_hex_encode(digest, 16, hex);
	md5_hex(img, len, want);
	CHECK_STR(hex, want);

	len = make_image(img, sizeof(img), 1001, 9, 1, 1);
	rig_put_running(rig, img, len);
	CHECK_INT(ota_image_digest(&rig->fake.port, OTA_SLOT_RUNNING, rig->ota.block, 1024, &info,
				   digest),
		  0);
	CHECK_INT(info.protect_tlv_size, 12);
	CHECK_INT(info.length, len);
	ota_hex_encode(digest, 16, hex);
	md5_hex(img, len, want);
	CHECK_STR(hex, want);

	/* protected size in the header but no protected TLV info there */
	img[10] = 12;
	img[0x200 + 1001] = 0x07;
	rig_put_running(rig, img, len);
	CHECK_INT(ota_image_parse(&rig->fake.port, OTA_SLOT_RUNNING, &info), -EBADMSG);

	len = make_image(img, sizeof(img), 100, 1, 1, 0);
	img[0x200 + 100] = 0x00;
	rig_put_running(rig, img, len);
	CHECK_INT(ota_image_parse(&rig->fake.port, OTA_SLOT_RUNNING, &info), -EBADMSG);

	len = make_image(img, sizeof(img), 100, 1, 1, 0);
	img[12] = 0xff;
	img[13] = 0xff;
	img[14] = 0xff;
	rig_put_running(rig, img, len);
	CHECK_INT(ota_image_parse(&rig->fake.port, OTA_SLOT_RUNNING, &info), -EFBIG);

	memset(rig->fake.slot[0], 0xff, rig->fake.slot_size);
	CHECK_INT(ota_image_parse(&rig->fake.port, OTA_SLOT_RUNNING, &info), -ENOENT);
}

static void test_state(struct rig *rig)
{
	struct ota *ota = &rig->ota;

	ota->port = &rig->fake.port;
	rig->fake.state_len = -1;
	CHECK_INT(ota_state_load(ota), 0);
	CHECK_INT(ota->state.item[1].attempts, 0);

	ota->state.item[1].attempts = 2;
	strcpy(ota->state.item[1].error, "gap");
	CHECK_INT(ota_state_save(ota), 0);
	memset(&ota->state, 0, sizeof(ota->state));
	CHECK_INT(ota_state_load(ota), 0);
	CHECK_INT(ota->state.item[1].attempts, 2);
	CHECK_STR(ota->state.item[1].error, "gap");

	/* a flipped bit or another size: the record is dropped */
	rig->fake.state[40] ^= 0x01;
	CHECK_INT(ota_state_load(ota), 0);
	CHECK_INT(ota->state.item[1].attempts, 0);
	CHECK_INT(ota_state_save(ota), 0);
	rig->fake.state_len -= 4;
	ota->state.item[1].attempts = 9;
	CHECK_INT(ota_state_load(ota), 0);
	CHECK_INT(ota->state.item[1].attempts, 0);

	CHECK_INT(ota_crc32("123456789", 9), 0xcbf43926U);
}

int main(void)
{
	struct rig *rig = rig_new();

	test_text();
	test_json_out();
	test_desired_full_and_delta(rig);
	test_desired_fields(rig);
	test_desired_grammar(rig);
	test_desired_oversize(rig);
	test_desired_build();
	test_reported(rig);
	test_reported_worst_case(rig);
	test_image(rig);
	test_state(rig);

	rig_free(rig);
	return check_summary("test_units");
}
