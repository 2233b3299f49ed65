/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * libFuzzer target: the desired-document parser (ota_desired_parse()).
 *
 * The first input byte chooses the state the document is merged into (none, or a full
 * desired state with all six keys); the rest is the document.  Beyond the sanitizers, every
 * run checks what the parser promises:
 * - a refused document leaves the state untouched and says why;
 * - an accepted one leaves every field in a defined state, URLs NUL-terminated, non-empty
 *   exactly when set, an absent digest zero;
 * - what the device would POST back (ota_desired_build()) parses to the same items.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ota_log_stderr.h"
#include "ota_priv.h"

static struct ota ota;

static void check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void check_item(const struct ota_desired_item *it)
{
	size_t len;

	check(it->url_state <= OTA_FIELD_BAD && it->ver_state <= OTA_FIELD_BAD);
	check(it->url[sizeof(it->url) - 1] == '\0');
	len = strlen(it->url);
	check((it->url_state == OTA_FIELD_SET) == (len > 0));
	if (it->ver_state == OTA_FIELD_ABSENT) {
		static const uint8_t zero[OTA_MD5_SIZE];

		check(memcmp(it->digest, zero, sizeof(zero)) == 0);
	}
}

static int printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20) {
			return 0;
		}
	}

	return 1;
}

static void check_round_trip(const struct ota_desired *desired)
{
	static char doc[CONFIG_DEGU_OTA_DOC_MAX + 1];
	struct ota_desired again;
	int len;

	len = ota_desired_build(desired, doc, sizeof(doc));
	check(len > 0);

	memset(&again, 0, sizeof(again));
	check(ota_desired_parse(&ota, doc, (size_t)len, &again) == 0);

	for (int i = 0; i < OTA_ITEMS; i++) {
		const struct ota_desired_item *want = &desired->item[i];
		const struct ota_desired_item *got = &again.item[i];

		/* A URL with control characters comes back \u-escaped, which the parser refuses. */
		if (want->url_state == OTA_FIELD_SET && printable(want->url)) {
			check(got->url_state == OTA_FIELD_SET);
			check(strcmp(got->url, want->url) == 0);
		} else if (want->url_state != OTA_FIELD_SET) {
			check(got->url_state == OTA_FIELD_ABSENT);
		}

		check(got->ver_state ==
		      (want->ver_state == OTA_FIELD_SET ? OTA_FIELD_SET : OTA_FIELD_ABSENT));
		if (want->ver_state == OTA_FIELD_SET) {
			check(memcmp(got->digest, want->digest, OTA_MD5_SIZE) == 0);
		}
	}
}

static void full_state(struct ota_desired *desired)
{
	memset(desired, 0, sizeof(*desired));
	for (int i = 0; i < OTA_ITEMS; i++) {
		struct ota_desired_item *it = &desired->item[i];

		it->url_state = OTA_FIELD_SET;
		it->ver_state = OTA_FIELD_SET;
		memset(it->digest, 0x11 * (i + 1), sizeof(it->digest));
		strcpy(it->url, "http://127.0.0.1:8080/releases/demo/file");
	}
}

/* The core's warnings on refused input would slow the run a hundredfold. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ota_log_stderr_set_level(0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ota_desired desired;
	struct ota_desired before;
	int ret;

	if (size == 0) {
		return 0;
	}

	if (data[0] & 1) {
		full_state(&desired);
	} else {
		memset(&desired, 0, sizeof(desired));
	}
	before = desired;
	memset(ota.reason, 0, sizeof(ota.reason));

	ret = ota_desired_parse(&ota, (const char *)data + 1, size - 1, &desired);
	if (ret < 0) {
		check(ret == -EINVAL || ret == -EFBIG);
		check(memcmp(&desired, &before, sizeof(desired)) == 0);
		check(ota.reason[0] != '\0');
		return 0;
	}

	check(ret == 0);
	for (int i = 0; i < OTA_ITEMS; i++) {
		check_item(&desired.item[i]);
	}
	check_round_trip(&desired);

	return 0;
}
