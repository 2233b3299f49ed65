/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The FAT volume as a folder of plain files, and the persistent state record.
 *
 * The volume keeps FAT's rules where the core could come to rely on the host being kinder:
 * names are 8.3 short names (Zephyr's FatFs without long file names), and a rename onto an
 * existing name fails with -EEXIST.  A file written for a replacement is fsync()ed when it
 * is closed, and the folder after a rename or remove, so that the order of the core's steps
 * is the order in which they become durable.
 */

#define _GNU_SOURCE /* renameat2() */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_internal.h"

struct ota_file {
	int fd;
	bool writing;
};

int posix_files_init(struct ota_posix *posix)
{
	int ret = 0;

	if (mkdir(posix->fat_dir, 0777) < 0 && errno != EEXIST) {
		ret = -errno;
		LOG_ERR("Could not create volume folder %s (%d)", posix->fat_dir, ret);
	}

	return ret;
}

/* FAT 8.3: 1-8 name characters, optionally a dot and 1-3 extension characters. */
static bool posix_name_is_short(const char *name)
{
	static const char allowed[] = "!#$%&'()-@^_`{}~";
	size_t base = 0;
	size_t ext = 0;
	bool dot = false;

	for (const char *c = name; *c != '\0'; c++) {
		if (*c == '.') {
			if (dot || base == 0) {
				return false;
			}
			dot = true;
			continue;
		}
		if (!isalnum((unsigned char)*c) && strchr(allowed, *c) == NULL) {
			return false;
		}
		if (dot) {
			ext++;
		} else {
			base++;
		}
	}

	return base >= 1 && base <= 8 && ext <= 3 && (!dot || ext >= 1);
}

/*
 * TODO: FAT matches names without regard to case ("main.py" is "MAIN.PY"); the host's file
 * system does not, so a core that mixed cases would pass here and misbehave on the device.
 * The core uses fixed lower-case names (text.c), so this is not emulated yet.
 */
static int posix_fat_path(struct ota_posix *posix, const char *name, char *path, size_t len)
{
	if (!posix_name_is_short(name)) {
		LOG_ERR("File name \"%s\" is not a FAT 8.3 name", name);
		return -EINVAL;
	}

	return posix_join(path, len, posix->fat_dir, name);
}

int posix_file_open(void *ctx, const char *name, enum ota_file_mode mode, struct ota_file **file)
{
	struct ota_posix *posix = ctx;
	char path[PATH_MAX];
	struct ota_file *f;
	int flags;
	int ret;

	ret = posix_fat_path(posix, name, path, sizeof(path));
	if (ret < 0) {
		return ret;
	}

	f = malloc(sizeof(*f));
	if (f == NULL) {
		return -ENOMEM;
	}

	f->writing = mode == OTA_FILE_WRITE;
	flags = f->writing ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY;
	f->fd = open(path, flags | O_CLOEXEC, 0666);
	if (f->fd < 0) {
		ret = -errno;
		free(f);
		return ret;
	}

	*file = f;
	return 0;
}

int posix_file_read(void *ctx, struct ota_file *file, void *buf, size_t len)
{
	ssize_t n;

	(void)ctx;

	if (file->writing) {
		return -EBADF;
	}

	if (len > INT_MAX) {
		len = INT_MAX;
	}

	do {
		n = read(file->fd, buf, len);
	} while (n < 0 && errno == EINTR);

	return n < 0 ? -errno : (int)n;
}

int posix_file_write(void *ctx, struct ota_file *file, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	(void)ctx;

	if (!file->writing) {
		return -EBADF;
	}

	while (len > 0) {
		ssize_t n = write(file->fd, p, len);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}

	return 0;
}

int posix_file_close(void *ctx, struct ota_file *file)
{
	int ret = 0;

	(void)ctx;

	if (file->writing && fsync(file->fd) < 0) {
		ret = -errno;
	}

	if (close(file->fd) < 0 && ret == 0) {
		ret = -errno;
	}

	free(file);
	return ret;
}

/* rename() that refuses to replace @p to, as FAT does. */
static int posix_rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS) {
		return -errno;
	}

	/* A file system without RENAME_NOREPLACE: link() refuses an existing name as well. */
	if (link(from, to) < 0) {
		return -errno;
	}
	if (unlink(from) < 0) {
		return -errno;
	}

	return 0;
}

int posix_file_rename(void *ctx, const char *from, const char *to)
{
	struct ota_posix *posix = ctx;
	char from_path[PATH_MAX];
	char to_path[PATH_MAX];
	int ret;

	ret = posix_fat_path(posix, from, from_path, sizeof(from_path));
	if (ret < 0) {
		return ret;
	}

	ret = posix_fat_path(posix, to, to_path, sizeof(to_path));
	if (ret < 0) {
		return ret;
	}

	ret = posix_rename_noreplace(from_path, to_path);
	if (ret < 0) {
		return ret;
	}

	return posix_sync_dir(posix->fat_dir);
}

int posix_file_remove(void *ctx, const char *name)
{
	struct ota_posix *posix = ctx;
	char path[PATH_MAX];
	int ret;

	ret = posix_fat_path(posix, name, path, sizeof(path));
	if (ret < 0) {
		return ret;
	}

	if (unlink(path) < 0) {
		return -errno;
	}

	return posix_sync_dir(posix->fat_dir);
}

int posix_file_stat(void *ctx, const char *name, size_t *size)
{
	struct ota_posix *posix = ctx;
	char path[PATH_MAX];
	struct stat st;
	int ret;

	ret = posix_fat_path(posix, name, path, sizeof(path));
	if (ret < 0) {
		return ret;
	}

	if (stat(path, &st) < 0) {
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		return -EISDIR;
	}

	*size = (size_t)st.st_size;
	return 0;
}

int posix_state_load(void *ctx, void *buf, size_t len)
{
	struct ota_posix *posix = ctx;
	struct stat st;
	int ret;
	int fd;

	fd = open(posix->state_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}

	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}

	if ((size_t)st.st_size > len || st.st_size > INT_MAX) {
		LOG_ERR("State record %s holds %lld bytes, more than the %zu expected",
			posix->state_path, (long long)st.st_size, len);
		ret = -EMSGSIZE;
		goto out;
	}

	ret = posix_pread_all(fd, buf, (size_t)st.st_size, 0);
	if (ret == 0) {
		ret = (int)st.st_size;
	}

out:
	close(fd);
	return ret;
}

int posix_state_save(void *ctx, const void *buf, size_t len)
{
	struct ota_posix *posix = ctx;
	int ret;
	int fd;

	/* A new record under a temporary name, durable before it replaces the old one. */
	fd = open(posix->state_tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		return -errno;
	}

	ret = posix_pwrite_all(fd, buf, len, 0);
	if (ret == 0 && fsync(fd) < 0) {
		ret = -errno;
	}

	if (close(fd) < 0 && ret == 0) {
		ret = -errno;
	}

	if (ret < 0) {
		unlink(posix->state_tmp_path);
		return ret;
	}

	if (rename(posix->state_tmp_path, posix->state_path) < 0) {
		return -errno;
	}

	return posix_sync_dir(posix->dir);
}
