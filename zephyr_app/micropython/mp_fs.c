/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The source reader MicroPython's lexer and import use, over Zephyr's fs_* API: the FAT
 * volume is mounted by the application, MicroPython keeps no VFS of its own.
 */

#include <errno.h>
#include <string.h>

#include <zephyr/fs/fs.h>

#include "py/builtin.h"
#include "py/lexer.h"
#include "py/reader.h"
#include "py/runtime.h"

#include "mp_fs.h"

#define READ_CHUNK 64

struct fs_reader {
	struct fs_file_t file;
	size_t len;
	size_t pos;
	uint8_t buf[READ_CHUNK];
};

static char script_dir[MP_FS_PATH_SIZE] = "";

int mp_fs_set_script_dir(const char *script_path)
{
	const char *slash = strrchr(script_path, '/');
	size_t len = slash != NULL ? (size_t)(slash - script_path) : 0;

	if (len >= sizeof(script_dir)) {
		script_dir[0] = '\0';
		return -ENAMETOOLONG;
	}

	memcpy(script_dir, script_path, len);
	script_dir[len] = '\0';

	return 0;
}

int mp_fs_full_path(char *out, size_t size, const char *path)
{
	int len;

	if (path[0] == '/') {
		len = snprintk(out, size, "%s", path);
	} else {
		len = snprintk(out, size, "%s/%s", script_dir, path);
	}

	return (len < 0 || (size_t)len >= size) ? -ENAMETOOLONG : 0;
}

mp_import_stat_t mp_import_stat(const char *path)
{
	char full[MP_FS_PATH_SIZE];
	struct fs_dirent entry;

	if (mp_fs_full_path(full, sizeof(full), path) < 0 || fs_stat(full, &entry) < 0) {
		return MP_IMPORT_STAT_NO_EXIST;
	}

	return entry.type == FS_DIR_ENTRY_DIR ? MP_IMPORT_STAT_DIR : MP_IMPORT_STAT_FILE;
}

static mp_uint_t fs_reader_readbyte(void *data)
{
	struct fs_reader *reader = data;
	ssize_t got;

	if (reader->pos == reader->len) {
		got = fs_read(&reader->file, reader->buf, sizeof(reader->buf));
		if (got <= 0) {
			/* A read error ends the source; the parser reports what is missing. */
			return MP_READER_EOF;
		}
		reader->len = got;
		reader->pos = 0;
	}

	return reader->buf[reader->pos++];
}

static void fs_reader_close(void *data)
{
	struct fs_reader *reader = data;

	fs_close(&reader->file);
	m_del_obj(struct fs_reader, reader);
}

mp_lexer_t *mp_lexer_new_from_file(qstr filename)
{
	char full[MP_FS_PATH_SIZE];
	struct fs_reader *reader;
	mp_reader_t mp_reader;
	int ret;

	ret = mp_fs_full_path(full, sizeof(full), qstr_str(filename));
	if (ret < 0) {
		mp_raise_OSError(-ret);
	}

	reader = m_new_obj(struct fs_reader);
	fs_file_t_init(&reader->file);
	reader->len = 0;
	reader->pos = 0;

	ret = fs_open(&reader->file, full, FS_O_READ);
	if (ret < 0) {
		m_del_obj(struct fs_reader, reader);
		mp_raise_OSError(-ret);
	}

	mp_reader.data = reader;
	mp_reader.readbyte = fs_reader_readbyte;
	mp_reader.close = fs_reader_close;

	return mp_lexer_new(filename, mp_reader);
}
