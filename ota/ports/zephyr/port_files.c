/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* Files of the FAT volume through Zephyr's fs_* API. */

#include <errno.h>
#include <stdio.h>

#include <zephyr/fs/fs.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>

#include "port_priv.h"

LOG_MODULE_DECLARE(ota_zephyr, CONFIG_DEGU_OTA_LOG_LEVEL);

/* The core keeps at most a source and a destination open at once. */
#define OTA_ZEPHYR_FILES 2

/* "/NAND:/main.new" and the like: mount point, '/', an 8.3 name. */
#define OTA_ZEPHYR_PATH_MAX 32

struct ota_file {
	struct fs_file_t fs;
	bool used;
};

static struct ota_file files[OTA_ZEPHYR_FILES];
static K_MUTEX_DEFINE(files_lock);

static int file_path(const struct ota_zephyr *zp, const char *name, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/%s", zp->mount, name);

	if (n < 0 || (size_t)n >= len) {
		return -ENAMETOOLONG;
	}

	return 0;
}

static struct ota_file *file_take(void)
{
	struct ota_file *file = NULL;

	k_mutex_lock(&files_lock, K_FOREVER);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (!files[i].used) {
			files[i].used = true;
			file = &files[i];
			break;
		}
	}
	k_mutex_unlock(&files_lock);

	return file;
}

static void file_give(struct ota_file *file)
{
	k_mutex_lock(&files_lock, K_FOREVER);
	file->used = false;
	k_mutex_unlock(&files_lock);
}

int ota_zephyr_file_open(void *ctx, const char *name, enum ota_file_mode mode,
			 struct ota_file **file)
{
	char path[OTA_ZEPHYR_PATH_MAX];
	fs_mode_t flags = mode == OTA_FILE_WRITE ? (FS_O_CREATE | FS_O_WRITE) : FS_O_READ;
	struct ota_file *f;
	int ret;

	ret = file_path(ctx, name, path, sizeof(path));
	if (ret < 0) {
		return ret;
	}

	f = file_take();
	if (f == NULL) {
		return -EMFILE;
	}

	fs_file_t_init(&f->fs);
	ret = fs_open(&f->fs, path, flags);
	if (ret < 0) {
		file_give(f);
		return ret;
	}

	/* fs_open() has no O_TRUNC in this Zephyr: cut an existing file to nothing. */
	if (mode == OTA_FILE_WRITE) {
		ret = fs_truncate(&f->fs, 0);
		if (ret < 0) {
			(void)fs_close(&f->fs);
			file_give(f);
			return ret;
		}
	}

	*file = f;

	return 0;
}

int ota_zephyr_file_read(void *ctx, struct ota_file *file, void *buf, size_t len)
{
	ARG_UNUSED(ctx);

	/* A byte count or a negative errno, as the port interface wants. */
	return (int)fs_read(&file->fs, buf, len);
}

int ota_zephyr_file_write(void *ctx, struct ota_file *file, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	ARG_UNUSED(ctx);

	while (len > 0) {
		ssize_t n = fs_write(&file->fs, p, len);

		if (n < 0) {
			return (int)n;
		}
		/* FatFs writes less than asked only when the volume is full. */
		if (n == 0) {
			return -ENOSPC;
		}
		p += n;
		len -= (size_t)n;
	}

	return 0;
}

int ota_zephyr_file_close(void *ctx, struct ota_file *file)
{
	int ret;

	ARG_UNUSED(ctx);

	ret = fs_close(&file->fs);
	file_give(file);

	return ret;
}

int ota_zephyr_file_rename(void *ctx, const char *from, const char *to)
{
	char from_path[OTA_ZEPHYR_PATH_MAX];
	char to_path[OTA_ZEPHYR_PATH_MAX];
	struct fs_dirent entry;
	int ret;

	ret = file_path(ctx, from, from_path, sizeof(from_path));
	if (ret < 0) {
		return ret;
	}

	ret = file_path(ctx, to, to_path, sizeof(to_path));
	if (ret < 0) {
		return ret;
	}

	/*
	 * Zephyr's FAT rename removes an existing destination first, which is not atomic; the
	 * core expects FAT's own refusal instead and orders remove and rename itself.
	 */
	ret = fs_stat(to_path, &entry);
	if (ret == 0) {
		return -EEXIST;
	}
	if (ret != -ENOENT) {
		return ret;
	}

	return fs_rename(from_path, to_path);
}

int ota_zephyr_file_remove(void *ctx, const char *name)
{
	char path[OTA_ZEPHYR_PATH_MAX];
	int ret;

	ret = file_path(ctx, name, path, sizeof(path));
	if (ret < 0) {
		return ret;
	}

	return fs_unlink(path);
}

int ota_zephyr_file_stat(void *ctx, const char *name, size_t *size)
{
	char path[OTA_ZEPHYR_PATH_MAX];
	struct fs_dirent entry;
	int ret;

	ret = file_path(ctx, name, path, sizeof(path));
	if (ret < 0) {
		return ret;
	}

	ret = fs_stat(path, &entry);
	if (ret < 0) {
		return ret;
	}
	if (entry.type != FS_DIR_ENTRY_FILE) {
		return -EISDIR;
	}

	*size = entry.size;

	return 0;
}
