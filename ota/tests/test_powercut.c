/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * A power cut after every single write of an update.  For each N the device starts, the power
 * goes after its Nth write (counted over all boots of the run), and it then restarts until a
 * boot has nothing left to do.  After every restart's ota_init() the item must be the old one
 * or the new one, byte for byte; at the end it must be the new one.  N grows until a run
 * finishes without reaching the cut.  A second round tears the Nth write when it is a file or
 * slot write (half of it lands); state saves stay atomic, as port.h promises.
 */

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "scenario.h"

#define MAX_BOOTS 8

enum kind {
	KIND_SCRIPT,
	KIND_CONFIG,
	KIND_FIRMWARE,
	/* all three in one update */
	KIND_ALL,
};

static const char *const kind_names[] = {"script_user", "config_user", "firmware_system",
					 "all three"};

static int which_one(struct scenario *s, enum kind kind);

/* 1: old, 2: new, 0: neither (none or a mix); for all three: 2 only when all are new. */
static int which(struct scenario *s, enum kind kind)
{
	int item;
	int all = 2;

	if (kind != KIND_ALL) {
		return which_one(s, kind);
	}
	for (item = KIND_SCRIPT; item <= KIND_FIRMWARE; item++) {
		int one = which_one(s, (enum kind)item);

		if (one == 0) {
			return 0;
		}
		if (one == 1) {
			all = 1;
		}
	}
	return all;
}

static int which_one(struct scenario *s, enum kind kind)
{
	const char *text;
	char md5[33];

	if (kind == KIND_FIRMWARE) {
		md5_hex(s->rig->fake.slot[0], s->fw_old_len, md5);
		if (strcmp(md5, s->md5_fw_old) == 0) {
			return 1;
		}
		md5_hex(s->rig->fake.slot[0], s->fw_new_len, md5);
		return strcmp(md5, s->md5_fw_new) == 0 ? 2 : 0;
	}

	text = rig_file(s->rig, kind == KIND_SCRIPT ? "main.py" : "CONFIG");
	if (text == NULL) {
		return 0;
	}
	if (strcmp(text, kind == KIND_SCRIPT ? s->script_old : s->config_old) == 0) {
		return 1;
	}
	return strcmp(text, kind == KIND_SCRIPT ? s->script_new : s->config_new) == 0 ? 2 : 0;
}

static void want(struct scenario *s, enum kind kind)
{
	if (kind == KIND_SCRIPT) {
		scenario_want_script(s);
	} else if (kind == KIND_CONFIG) {
		scenario_want_config(s);
	} else if (kind == KIND_FIRMWARE) {
		scenario_want_fw(s);
	} else {
		scenario_want_all(s);
	}
}

/* One run with the cut after write @p cut. @return true when the cut was reached. */
static bool run(enum kind kind, unsigned long cut, bool tear, int *boots_needed)
{
	struct scenario s;
	bool cut_reached = false;
	bool converged = false;
	int boot;

	scenario_init(&s);
	want(&s, kind);
	/* 128-byte blocks: more writes, more cut points */
	s.rig->fake.items[0].max_szx = 3;
	s.rig->fake.items[1].max_szx = 3;
	s.rig->fake.items[2].max_szx = 3;
	s.rig->fake.cut_after = cut;
	s.rig->fake.tear = tear;

	for (boot = 1; boot <= MAX_BOOTS && !converged; boot++) {
		int state;

		if (boot > 1) {
			fake_power_cycle(&s.rig->fake);
		}
		s.rig->init_ret = ota_init(&s.rig->ota, &s.rig->cfg);
		if (s.rig->fake.power_off) {
			cut_reached = true;
			continue;
		}
		state = which(&s, kind);
		if (state == 0) {
			fprintf(stderr, "%s, cut %s write %lu, boot %d: neither old nor new\n",
				kind_names[kind], tear ? "tearing" : "after", cut, boot);
		}
		CHECK(state != 0);
		CHECK(fake_file_find(&s.rig->fake, "main.new") == NULL);
		CHECK(fake_file_find(&s.rig->fake, "config.new") == NULL);
		CHECK_INT(s.rig->init_ret, 0);

		s.rig->action = OTA_BOOT_RUN;
		s.rig->boot_ret = ota_boot(&s.rig->ota, &s.rig->action);
		if (s.rig->fake.power_off) {
			cut_reached = true;
			continue;
		}
		converged = s.rig->boot_ret == 0 && s.rig->action == OTA_BOOT_RUN;
	}

	if (!converged) {
		fprintf(stderr, "%s, cut after write %lu: no convergence in %d boots\n",
			kind_names[kind], cut, MAX_BOOTS);
	}
	CHECK(converged);
	CHECK_INT(which(&s, kind), 2);
	CHECK(!s.rig->fake.trial || s.rig->fake.confirmed);
	if (kind == KIND_SCRIPT || kind == KIND_ALL) {
		CHECK_HAS(s.rig->fake.report, ver_of("script_user", s.md5_script_new));
	}
	if (kind == KIND_CONFIG || kind == KIND_ALL) {
		CHECK_HAS(s.rig->fake.report, ver_of("config_user", s.md5_config_new));
	}
	if (kind == KIND_FIRMWARE || kind == KIND_ALL) {
		CHECK_HAS(s.rig->fake.report, ver_of("firmware_system", s.md5_fw_new));
	}
	CHECK_HAS(s.rig->fake.report, NO_RECORDS);
	if (boot - 1 > *boots_needed) {
		*boots_needed = boot - 1;
	}
	scenario_free(&s);
	return cut_reached;
}

int main(void)
{
	int tear;
	int kind;

	/* A clean cut after the Nth write, then one that tears the Nth file or slot write. */
	for (tear = 0; tear <= 1; tear++) {
		for (kind = KIND_SCRIPT; kind <= KIND_ALL; kind++) {
			unsigned long cut = 1;
			int boots = 0;

			while (run((enum kind)kind, cut, tear, &boots)) {
				cut++;
			}
			/* a test that tried no cut at all would prove nothing */
			CHECK(cut > 5);
			printf("%s%s: %lu cut points tried (%lu cuts + 1 uncut run), at most %d "
			       "boots to converge\n",
			       kind_names[kind], tear ? " (torn writes)" : "", cut, cut - 1, boots);
		}
	}
	return check_summary("test_powercut");
}
