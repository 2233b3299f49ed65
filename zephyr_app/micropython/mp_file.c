/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * open(): files of the mounted volumes through Zephyr's fs_* API, so that a script can
 * read its CONFIG.  Relative names resolve in the script's folder, as imports do.
 * Modes: r, w (truncates), a, each with b for bytes.
 */

#include <string.h>

#include <zephyr/fs/fs.h>

#include "py/builtin.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "mp_fs.h"

typedef struct {
	mp_obj_base_t base;
	struct fs_file_t file;
	bool open;
} degu_file_obj_t;

static mp_uint_t file_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode)
{
	degu_file_obj_t *self = MP_OBJ_TO_PTR(self_in);
	ssize_t got;

	if (!self->open) {
		*errcode = EBADF;
		return MP_STREAM_ERROR;
	}
	got = fs_read(&self->file, buf, size);
	if (got < 0) {
		*errcode = (int)-got;
		return MP_STREAM_ERROR;
	}

	return (mp_uint_t)got;
}

static mp_uint_t file_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode)
{
	degu_file_obj_t *self = MP_OBJ_TO_PTR(self_in);
	ssize_t put;

	if (!self->open) {
		*errcode = EBADF;
		return MP_STREAM_ERROR;
	}
	put = fs_write(&self->file, buf, size);
	if (put < 0) {
		*errcode = (int)-put;
		return MP_STREAM_ERROR;
	}

	return (mp_uint_t)put;
}

static mp_uint_t file_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode)
{
	degu_file_obj_t *self = MP_OBJ_TO_PTR(self_in);
	struct mp_stream_seek_t *seek;
	int ret;

	switch (request) {
	case MP_STREAM_CLOSE:
		if (self->open) {
			self->open = false;
			ret = fs_close(&self->file);
			if (ret < 0) {
				*errcode = -ret;
				return MP_STREAM_ERROR;
			}
		}
		return 0;
	case MP_STREAM_FLUSH:
		ret = self->open ? fs_sync(&self->file) : -EBADF;
		break;
	case MP_STREAM_SEEK:
		seek = (struct mp_stream_seek_t *)arg;
		ret = self->open ? fs_seek(&self->file, seek->offset, seek->whence) : -EBADF;
		if (ret == 0) {
			seek->offset = fs_tell(&self->file);
		}
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret < 0) {
		*errcode = -ret;
		return MP_STREAM_ERROR;
	}

	return 0;
}

static const mp_rom_map_elem_t file_locals_dict_table[] = {
	{MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj)},
	{MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj)},
	{MP_ROM_QSTR(MP_QSTR_readlines), MP_ROM_PTR(&mp_stream_unbuffered_readlines_obj)},
	{MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj)},
	{MP_ROM_QSTR(MP_QSTR_seek), MP_ROM_PTR(&mp_stream_seek_obj)},
	{MP_ROM_QSTR(MP_QSTR_tell), MP_ROM_PTR(&mp_stream_tell_obj)},
	{MP_ROM_QSTR(MP_QSTR_flush), MP_ROM_PTR(&mp_stream_flush_obj)},
	{MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj)},
	/* A file the script forgets is closed when collected: FAT has few open files. */
	{MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj)},
	{MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj)},
	{MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj)},
};
static MP_DEFINE_CONST_DICT(file_locals_dict, file_locals_dict_table);

static const mp_stream_p_t file_stream_bytes = {
	.read = file_read,
	.write = file_write,
	.ioctl = file_ioctl,
};

static const mp_stream_p_t file_stream_text = {
	.read = file_read,
	.write = file_write,
	.ioctl = file_ioctl,
	.is_text = true,
};

static MP_DEFINE_CONST_OBJ_TYPE(degu_fileio_type, MP_QSTR_FileIO, MP_TYPE_FLAG_ITER_IS_STREAM,
				protocol, &file_stream_bytes, locals_dict, &file_locals_dict);
static MP_DEFINE_CONST_OBJ_TYPE(degu_textio_type, MP_QSTR_TextIOWrapper,
				MP_TYPE_FLAG_ITER_IS_STREAM, protocol, &file_stream_text,
				locals_dict, &file_locals_dict);

static mp_obj_t degu_open(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args)
{
	enum { ARG_file, ARG_mode };
	static const mp_arg_t allowed_args[] = {
		{MP_QSTR_file, MP_ARG_REQUIRED | MP_ARG_OBJ},
		{MP_QSTR_mode, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_QSTR(MP_QSTR_r)}},
	};
	mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
	const mp_obj_type_t *type = &degu_textio_type;
	fs_mode_t flags = 0;
	bool truncate = false;
	degu_file_obj_t *self;
	char full[MP_FS_PATH_SIZE];
	const char *mode;
	int ret;

	mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args,
			 args);

	for (mode = mp_obj_str_get_str(args[ARG_mode].u_obj); *mode != '\0'; mode++) {
		switch (*mode) {
		case 'r':
			flags |= FS_O_READ;
			break;
		case 'w':
			flags |= FS_O_WRITE | FS_O_CREATE;
			truncate = true;
			break;
		case 'a':
			flags |= FS_O_WRITE | FS_O_CREATE | FS_O_APPEND;
			break;
		case 'b':
			type = &degu_fileio_type;
			break;
		case 't':
			break;
		default:
			mp_raise_msg_varg(&mp_type_ValueError,
					  MP_ERROR_TEXT("mode '%s': use r, w or a, with b or t"),
					  mp_obj_str_get_str(args[ARG_mode].u_obj));
		}
	}

	ret = mp_fs_full_path(full, sizeof(full), mp_obj_str_get_str(args[ARG_file].u_obj));
	if (ret < 0) {
		mp_raise_OSError(-ret);
	}

	self = mp_obj_malloc_with_finaliser(degu_file_obj_t, type);
	fs_file_t_init(&self->file);
	self->open = false;

	ret = fs_open(&self->file, full, flags);
	if (ret < 0) {
		mp_raise_OSError(-ret);
	}
	self->open = true;

	if (truncate) {
		ret = fs_truncate(&self->file, 0);
		if (ret < 0) {
			self->open = false;
			fs_close(&self->file);
			mp_raise_OSError(-ret);
		}
	}

	return MP_OBJ_FROM_PTR(self);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, degu_open);
