/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#include <stdio.h>
#include <string.h>

#include "scenario.h"

void scenario_init(struct scenario *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->rig = rig_new();

	strcpy(s->script_old, "print('old script')\n");
	for (i = 0; i + 1 < sizeof(s->script_new); i++) {
		/* spans several 1024-byte blocks and ends in a short one */
		s->script_new[i] = (char)('a' + i % 26);
	}
	s->script_new[sizeof(s->script_new) - 1] = '\0';
	strcpy(s->config_old, "interval=60\n");
	for (i = 0; i + 1 < sizeof(s->config_new); i++) {
		s->config_new[i] = (char)('0' + i % 10);
	}
	s->config_new[sizeof(s->config_new) - 1] = '\0';

	s->fw_old_len = make_image(s->fw_old, sizeof(s->fw_old), 4000, 1, 1, 0);
	s->fw_new_len = make_image(s->fw_new, sizeof(s->fw_new), 7001, 2, 2, 1);

	md5_hex(s->script_old, strlen(s->script_old), s->md5_script_old);
	md5_hex(s->script_new, strlen(s->script_new), s->md5_script_new);
	md5_hex(s->config_old, strlen(s->config_old), s->md5_config_old);
	md5_hex(s->config_new, strlen(s->config_new), s->md5_config_new);
	md5_hex(s->fw_old, s->fw_old_len, s->md5_fw_old);
	md5_hex(s->fw_new, s->fw_new_len, s->md5_fw_new);

	fake_file_put(&s->rig->fake, "main.py", s->script_old, strlen(s->script_old));
	fake_file_put(&s->rig->fake, "CONFIG", s->config_old, strlen(s->config_old));
	rig_put_running(s->rig, s->fw_old, s->fw_old_len);

	fake_set_item(&s->rig->fake, 0, s->script_new, strlen(s->script_new));
	fake_set_item(&s->rig->fake, 1, s->config_new, strlen(s->config_new));
	fake_set_item(&s->rig->fake, 2, s->fw_new, s->fw_new_len);
	rig_desired(s->rig, "{\"state\":{\"desired\":{}},\"version\":1}");
}

void scenario_free(struct scenario *s)
{
	rig_free(s->rig);
}

void scenario_want_script(struct scenario *s)
{
	rig_desired(s->rig,
		    "{\"state\":{\"desired\":{\"script_user\":\"http://h/main.py\","
		    "\"script_user_ver\":\"%s\"}},\"version\":2}",
		    s->md5_script_new);
}

void scenario_want_config(struct scenario *s)
{
	rig_desired(s->rig,
		    "{\"state\":{\"desired\":{\"config_user\":\"http://h/CONFIG\","
		    "\"config_user_ver\":\"%s\"}},\"version\":2}",
		    s->md5_config_new);
}

void scenario_want_fw(struct scenario *s)
{
	rig_desired(s->rig,
		    "{\"state\":{\"desired\":{\"firmware_system\":\"http://h/degu.bin\","
		    "\"firmware_system_ver\":\"%s\"}},\"version\":2}",
		    s->md5_fw_new);
}

void scenario_want_all(struct scenario *s)
{
	rig_desired(s->rig,
		    "{\"state\":{\"desired\":{\"script_user\":\"http://h/main.py\","
		    "\"script_user_ver\":\"%s\",\"config_user\":\"http://h/CONFIG\","
		    "\"config_user_ver\":\"%s\",\"firmware_system\":\"http://h/degu.bin\","
		    "\"firmware_system_ver\":\"%s\"}},\"version\":3}",
		    s->md5_script_new, s->md5_config_new, s->md5_fw_new);
}

const char *ver_of(const char *key, const char *md5)
{
	static char buf[4][96];
	static int next;
	char *out = buf[next++ % 4];

	snprintf(out, sizeof(buf[0]), "\"%s_ver\":\"%s\"", key, md5);
	return out;
}
