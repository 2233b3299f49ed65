/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * Flash slots as files, and MCUboot's requests on the image trailer in them.
 *
 * The files behave as the nRF52840's flash does under Zephyr's flash API: erased bytes are
 * 0xFF, erase works on whole 4 KB pages, writes are whole 4-byte blocks, and a block can only
 * be written when it is erased (as Zephyr's flash simulator enforces by default); anything else
 * fails with -EINVAL or -EIO instead of silently doing what the hardware would not.
 *
 * The trailer is MCUboot's (boot/bootutil/src/bootutil_public.c) with BOOT_MAX_ALIGN 8, the
 * value Zephyr builds MCUboot with for this part:
 *
 *   size - 16  magic, 16 bytes
 *   size - 24  image_ok (0x01 set, 0xFF unset)
 *   size - 32  copy_done
 *   size - 40  swap_info (image number << 4 | swap type)
 *   size - 48  swap_size
 *
 * Each flag is written as one write block: the value followed by erased bytes, as MCUboot's
 * boot_write_trailer() pads it.  The slot file is fsync()ed after each trailer write: from then
 * on the bootloader may act on it.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_internal.h"

#define ERASED 0xFFu

#define TRAILER_MAGIC_SIZE 16u
#define TRAILER_ALIGN 8u
#define TRAILER_MAGIC(sz) ((sz) - TRAILER_MAGIC_SIZE)
#define TRAILER_IMAGE_OK(sz) (TRAILER_MAGIC(sz) - TRAILER_ALIGN)
#define TRAILER_COPY_DONE(sz) (TRAILER_IMAGE_OK(sz) - TRAILER_ALIGN)
#define TRAILER_SWAP_INFO(sz) (TRAILER_COPY_DONE(sz) - TRAILER_ALIGN)

#define BOOT_FLAG_SET 0x01u
#define BOOT_SWAP_TYPE_TEST 2u

/* MCUboot's boot_img_magic for BOOT_MAX_ALIGN 8. */
static const uint8_t boot_magic[TRAILER_MAGIC_SIZE] = {
	0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
	0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80,
};

enum trailer_magic {
	MAGIC_UNSET,
	MAGIC_GOOD,
	MAGIC_BAD,
};

enum trailer_flag {
	FLAG_UNSET,
	FLAG_SET,
	FLAG_BAD,
};

struct trailer_state {
	enum trailer_magic magic;
	enum trailer_flag image_ok;
	enum trailer_flag copy_done;
	uint8_t swap_info;
};

static bool is_erased(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != ERASED) {
			return false;
		}
	}

	return true;
}

static int slot_create(struct ota_posix *posix, const char *path)
{
	uint8_t page[OTA_POSIX_ERASE_SIZE];
	char tmp[PATH_MAX];
	int ret;
	int fd;

	ret = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (ret < 0 || (size_t)ret >= sizeof(tmp)) {
		return -ENAMETOOLONG;
	}

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		return -errno;
	}

	memset(page, ERASED, sizeof(page));
	ret = 0;
	for (size_t off = 0; off < posix->slot_size && ret == 0; off += sizeof(page)) {
		ret = posix_pwrite_all(fd, page, sizeof(page), (off_t)off);
	}

	if (ret == 0 && fsync(fd) < 0) {
		ret = -errno;
	}

	if (close(fd) < 0 && ret == 0) {
		ret = -errno;
	}

	if (ret == 0 && rename(tmp, path) < 0) {
		ret = -errno;
	}

	if (ret < 0) {
		unlink(tmp);
		return ret;
	}

	return posix_sync_dir(posix->dir);
}

int posix_slots_init(struct ota_posix *posix)
{
	struct stat st;
	int ret;

	if (posix->slot_size % OTA_POSIX_ERASE_SIZE != 0 ||
	    posix->slot_size < 2 * OTA_POSIX_ERASE_SIZE) {
		LOG_ERR("Slot size %zu is not a multiple of the %u-byte page of at least two pages",
			posix->slot_size, OTA_POSIX_ERASE_SIZE);
		return -EINVAL;
	}

	for (int i = 0; i < 2; i++) {
		const char *path = posix->slot_path[i];

		if (stat(path, &st) == 0) {
			if (!S_ISREG(st.st_mode) || (size_t)st.st_size != posix->slot_size) {
				LOG_ERR("%s holds %lld bytes, a slot is %zu: write a whole slot "
					"image or remove the file to start erased",
					path, (long long)st.st_size, posix->slot_size);
				return -EINVAL;
			}
			continue;
		}

		if (errno != ENOENT) {
			ret = -errno;
			LOG_ERR("Could not stat slot file %s (%d)", path, ret);
			return ret;
		}

		ret = slot_create(posix, path);
		if (ret < 0) {
			LOG_ERR("Could not create erased slot file %s (%d)", path, ret);
			return ret;
		}
	}

	return 0;
}

static int slot_open(struct ota_posix *posix, enum ota_slot slot, int flags)
{
	int fd;

	if (slot != OTA_SLOT_RUNNING && slot != OTA_SLOT_DOWNLOAD) {
		return -EINVAL;
	}

	/*
	 * Opened for each operation: the simulated bootloader replaces slot files between boots,
	 * and a descriptor kept open would still point at the old one.
	 */
	fd = open(posix->slot_path[slot], flags | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}

	return fd;
}

static bool slot_range_ok(struct ota_posix *posix, size_t off, size_t len)
{
	return off <= posix->slot_size && len <= posix->slot_size - off;
}

int posix_slot_size(void *ctx, enum ota_slot slot, size_t *size)
{
	struct ota_posix *posix = ctx;

	if (slot != OTA_SLOT_RUNNING && slot != OTA_SLOT_DOWNLOAD) {
		return -EINVAL;
	}

	*size = posix->slot_size;
	return 0;
}

size_t posix_slot_erase_size(void *ctx)
{
	(void)ctx;

	return OTA_POSIX_ERASE_SIZE;
}

size_t posix_slot_write_block(void *ctx)
{
	(void)ctx;

	return OTA_POSIX_WRITE_BLOCK;
}

int posix_slot_erase(void *ctx, enum ota_slot slot, size_t off, size_t len)
{
	struct ota_posix *posix = ctx;
	uint8_t page[OTA_POSIX_ERASE_SIZE];
	int ret = 0;
	int fd;

	if (!slot_range_ok(posix, off, len) || off % OTA_POSIX_ERASE_SIZE != 0 ||
	    len % OTA_POSIX_ERASE_SIZE != 0) {
		LOG_WRN("Refused erase of slot %d at 0x%zx+0x%zx: not whole pages inside the slot",
			slot, off, len);
		return -EINVAL;
	}

	fd = slot_open(posix, slot, O_WRONLY);
	if (fd < 0) {
		return fd;
	}

	memset(page, ERASED, sizeof(page));
	for (size_t done = 0; done < len && ret == 0; done += sizeof(page)) {
		ret = posix_pwrite_all(fd, page, sizeof(page), (off_t)(off + done));
	}

	close(fd);
	return ret;
}

static int slot_write_fd(struct ota_posix *posix, int fd, enum ota_slot slot, size_t off,
			 const void *buf, size_t len)
{
	uint8_t old[256];
	int ret;

	if (!slot_range_ok(posix, off, len) || off % OTA_POSIX_WRITE_BLOCK != 0 ||
	    len % OTA_POSIX_WRITE_BLOCK != 0) {
		LOG_WRN("Refused write to slot %d at 0x%zx+0x%zx: not whole %u-byte blocks "
			"inside the slot",
			slot, off, len, OTA_POSIX_WRITE_BLOCK);
		return -EINVAL;
	}

	for (size_t done = 0; done < len; done += sizeof(old)) {
		size_t n = len - done < sizeof(old) ? len - done : sizeof(old);

		ret = posix_pread_all(fd, old, n, (off_t)(off + done));
		if (ret < 0) {
			return ret;
		}
		if (!is_erased(old, n)) {
			LOG_WRN("Refused write to slot %d at 0x%zx: flash not erased", slot,
				off + done);
			return -EIO;
		}
	}

	return posix_pwrite_all(fd, buf, len, (off_t)off);
}

int posix_slot_write(void *ctx, enum ota_slot slot, size_t off, const void *buf, size_t len)
{
	struct ota_posix *posix = ctx;
	int ret;
	int fd;

	fd = slot_open(posix, slot, O_RDWR);
	if (fd < 0) {
		return fd;
	}

	ret = slot_write_fd(posix, fd, slot, off, buf, len);
	close(fd);
	return ret;
}

int posix_slot_read(void *ctx, enum ota_slot slot, size_t off, void *buf, size_t len)
{
	struct ota_posix *posix = ctx;
	int ret;
	int fd;

	if (!slot_range_ok(posix, off, len)) {
		return -EINVAL;
	}

	fd = slot_open(posix, slot, O_RDONLY);
	if (fd < 0) {
		return fd;
	}

	ret = posix_pread_all(fd, buf, len, (off_t)off);
	close(fd);
	return ret;
}

static enum trailer_flag flag_decode(uint8_t val)
{
	if (val == ERASED) {
		return FLAG_UNSET;
	}

	return val == BOOT_FLAG_SET ? FLAG_SET : FLAG_BAD;
}

/* boot_read_swap_state() of MCUboot, on an open slot file. */
static int trailer_read(struct ota_posix *posix, int fd, struct trailer_state *state)
{
	size_t size = posix->slot_size;
	uint8_t magic[TRAILER_MAGIC_SIZE];
	uint8_t flag;
	int ret;

	ret = posix_pread_all(fd, magic, sizeof(magic), (off_t)TRAILER_MAGIC(size));
	if (ret < 0) {
		return ret;
	}

	if (is_erased(magic, sizeof(magic))) {
		state->magic = MAGIC_UNSET;
	} else if (memcmp(magic, boot_magic, sizeof(magic)) == 0) {
		state->magic = MAGIC_GOOD;
	} else {
		state->magic = MAGIC_BAD;
	}

	ret = posix_pread_all(fd, &state->swap_info, 1, (off_t)TRAILER_SWAP_INFO(size));
	if (ret < 0) {
		return ret;
	}

	ret = posix_pread_all(fd, &flag, 1, (off_t)TRAILER_COPY_DONE(size));
	if (ret < 0) {
		return ret;
	}
	state->copy_done = flag_decode(flag);

	ret = posix_pread_all(fd, &flag, 1, (off_t)TRAILER_IMAGE_OK(size));
	if (ret < 0) {
		return ret;
	}
	state->image_ok = flag_decode(flag);

	return 0;
}

static int trailer_write_flag(struct ota_posix *posix, int fd, enum ota_slot slot, size_t off,
			      uint8_t val)
{
	uint8_t block[OTA_POSIX_WRITE_BLOCK];

	memset(block, ERASED, sizeof(block));
	block[0] = val;

	return slot_write_fd(posix, fd, slot, off, block, sizeof(block));
}

int posix_boot_request_test(void *ctx)
{
	struct ota_posix *posix = ctx;
	size_t size = posix->slot_size;
	struct trailer_state state;
	int ret;
	int fd;

	fd = slot_open(posix, OTA_SLOT_DOWNLOAD, O_RDWR);
	if (fd < 0) {
		return fd;
	}

	ret = trailer_read(posix, fd, &state);
	if (ret < 0) {
		goto out;
	}

	switch (state.magic) {
	case MAGIC_GOOD:
		/* A swap is already requested (boot_set_pending() does nothing either). */
		break;
	case MAGIC_UNSET:
		ret = slot_write_fd(posix, fd, OTA_SLOT_DOWNLOAD, TRAILER_MAGIC(size), boot_magic,
				    sizeof(boot_magic));
		if (ret < 0) {
			goto out;
		}
		ret = trailer_write_flag(posix, fd, OTA_SLOT_DOWNLOAD, TRAILER_SWAP_INFO(size),
					 BOOT_SWAP_TYPE_TEST);
		if (ret < 0) {
			goto out;
		}
		if (fsync(fd) < 0) {
			ret = -errno;
		}
		break;
	case MAGIC_BAD:
		/*
		 * MCUboot erases a slot whose trailer is corrupt so that a later upgrade can
		 * start clean, and fails this one.
		 */
		LOG_WRN("Slot 1 trailer holds a bad magic: erasing the slot");
		close(fd);
		ret = posix_slot_erase(posix, OTA_SLOT_DOWNLOAD, 0, size);
		return ret < 0 ? ret : -EBADMSG;
	}

out:
	close(fd);
	return ret;
}

int posix_boot_confirm(void *ctx)
{
	struct ota_posix *posix = ctx;
	struct trailer_state state;
	int ret;
	int fd;

	fd = slot_open(posix, OTA_SLOT_RUNNING, O_RDWR);
	if (fd < 0) {
		return fd;
	}

	ret = trailer_read(posix, fd, &state);
	if (ret < 0) {
		goto out;
	}

	if (state.magic == MAGIC_BAD) {
		LOG_WRN("Slot 0 trailer holds a bad magic: cannot confirm");
		ret = -EBADMSG;
		goto out;
	}

	/* As boot_set_confirmed(): an image without magic was programmed directly. */
	if (state.magic == MAGIC_UNSET || state.image_ok != FLAG_UNSET) {
		goto out;
	}

	ret = trailer_write_flag(posix, fd, OTA_SLOT_RUNNING, TRAILER_IMAGE_OK(posix->slot_size),
				 BOOT_FLAG_SET);
	if (ret == 0 && fsync(fd) < 0) {
		ret = -errno;
	}

out:
	close(fd);
	return ret;
}

int posix_boot_is_on_trial(void *ctx, bool *trial)
{
	struct ota_posix *posix = ctx;
	struct trailer_state state;
	int ret;
	int fd;

	fd = slot_open(posix, OTA_SLOT_RUNNING, O_RDONLY);
	if (fd < 0) {
		return fd;
	}

	ret = trailer_read(posix, fd, &state);
	close(fd);
	if (ret < 0) {
		return ret;
	}

	*trial = state.magic == MAGIC_GOOD && state.image_ok == FLAG_UNSET;
	return 0;
}
