/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* Files, slots, MCUboot, state and power of the fake port; the gateway is fake_gateway.c. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_port.h"

/* Is this write the one the power goes in, torn in the middle? */
static bool tears_now(struct fake_port *fake)
{
	return fake->tear && fake->cut_after != 0 && fake->writes + 1 == fake->cut_after;
}

static int torn(struct fake_port *fake)
{
	fake->writes++;
	fake->power_off = true;
	return -EIO;
}

/* Every mutation starts here: refused once the power is off. */
static int write_begin(struct fake_port *fake)
{
	return fake->power_off ? -EIO : 0;
}

/* ... and ends here: the Nth write completes, then the power goes. */
static void write_done(struct fake_port *fake)
{
	fake->writes++;
	if (fake->cut_after != 0 && fake->writes == fake->cut_after) {
		fake->power_off = true;
	}
}

static bool same_name(const char *a, const char *b);

void fake_fail(struct fake_op_fault *fault, const char *name, int count, int err)
{
	memset(fault, 0, sizeof(*fault));
	strncpy(fault->name, name, sizeof(fault->name) - 1);
	fault->count = count;
	fault->err = err;
}

/* Does an armed fault hit this call on @p name?  @return its error, or 0. */
static int injected(struct fake_port *fake, struct fake_op_fault *fault, const char *name)
{
	if (fault->count <= 0 || (fault->name[0] != '\0' && !same_name(fault->name, name))) {
		return 0;
	}
	fault->count--;
	fault->hits++;
	if (fault->cut) {
		fake->power_off = true;
		return -EIO;
	}
	return fault->err;
}

static bool same_name(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
		char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;

		if (ca != cb) {
			return false;
		}
	}
	return *a == *b;
}

static struct fake_file *find(struct fake_port *fake, const char *name)
{
	int i;

	for (i = 0; i < FAKE_FILES; i++) {
		/* FAT compares names without regard to case. */
		if (fake->files[i].used && same_name(fake->files[i].name, name)) {
			return &fake->files[i];
		}
	}
	return NULL;
}

const struct fake_file *fake_file_find(const struct fake_port *fake, const char *name)
{
	return find((struct fake_port *)fake, name);
}

static struct fake_file *create(struct fake_port *fake, const char *name)
{
	int i;

	if (strlen(name) >= FAKE_NAME_MAX) {
		return NULL;
	}
	for (i = 0; i < FAKE_FILES; i++) {
		if (!fake->files[i].used) {
			memset(&fake->files[i], 0, sizeof(fake->files[i]));
			fake->files[i].used = true;
			strcpy(fake->files[i].name, name);
			return &fake->files[i];
		}
	}
	return NULL;
}

int fake_file_put(struct fake_port *fake, const char *name, const void *data, size_t len)
{
	struct fake_file *f = find(fake, name);

	if (len > FAKE_FILE_MAX) {
		return -EFBIG;
	}
	if (f == NULL) {
		f = create(fake, name);
	}
	if (f == NULL) {
		return -ENOSPC;
	}
	memcpy(f->data, data, len);
	f->size = len;
	return 0;
}

static int file_open(void *ctx, const char *name, enum ota_file_mode mode, struct ota_file **out)
{
	struct fake_port *fake = ctx;
	struct fake_file *f;
	int h;
	int ret;

	if (fake->power_off) {
		return -EIO;
	}
	for (h = 0; h < 4 && fake->handles[h].open; h++) {
	}
	if (h == 4) {
		return -EMFILE;
	}

	f = find(fake, name);
	if (mode == OTA_FILE_READ) {
		if (f == NULL) {
			return -ENOENT;
		}
	} else {
		ret = write_begin(fake);
		if (ret < 0) {
			return ret;
		}
		if (f == NULL) {
			f = create(fake, name);
		}
		if (f == NULL) {
			return -ENOSPC;
		}
		f->size = 0;
		write_done(fake);
	}

	fake->handles[h] = (struct ota_file){.file = f, .mode = mode, .pos = 0, .open = true};
	*out = &fake->handles[h];
	return 0;
}

static int file_read(void *ctx, struct ota_file *file, void *buf, size_t len)
{
	struct fake_port *fake = ctx;
	size_t n;
	int ret;

	if (fake->power_off) {
		return -EIO;
	}
	if (!file->open || file->mode != OTA_FILE_READ) {
		return -EBADF;
	}
	ret = injected(fake, &fake->fail_read, file->file->name);
	if (ret < 0) {
		return ret;
	}
	n = file->file->size - file->pos;
	if (n > len) {
		n = len;
	}
	memcpy(buf, file->file->data + file->pos, n);
	file->pos += n;
	return (int)n;
}

static int file_write(void *ctx, struct ota_file *file, const void *buf, size_t len)
{
	struct fake_port *fake = ctx;
	int ret;

	ret = write_begin(fake);
	if (ret < 0) {
		return ret;
	}
	if (!file->open || file->mode != OTA_FILE_WRITE) {
		return -EBADF;
	}
	if (fake->volume_full || file->pos + len > FAKE_FILE_MAX) {
		return -ENOSPC;
	}
	if (tears_now(fake)) {
		memcpy(file->file->data + file->pos, buf, len / 2);
		file->pos += len / 2;
		file->file->size = file->pos;
		return torn(fake);
	}
	memcpy(file->file->data + file->pos, buf, len);
	file->pos += len;
	file->file->size = file->pos;
	write_done(fake);
	return 0;
}

static int file_close(void *ctx, struct ota_file *file)
{
	struct fake_port *fake = ctx;

	if (!file->open) {
		return -EBADF;
	}
	file->open = false;
	return fake->power_off ? -EIO : 0;
}

static int file_rename(void *ctx, const char *from, const char *to)
{
	struct fake_port *fake = ctx;
	struct fake_file *f;
	int ret;

	ret = write_begin(fake);
	if (ret == 0) {
		ret = injected(fake, &fake->fail_rename, from);
	}
	if (ret < 0) {
		return ret;
	}
	f = find(fake, from);
	if (f == NULL) {
		return -ENOENT;
	}
	if (find(fake, to) != NULL) {
		return -EEXIST;
	}
	if (strlen(to) >= FAKE_NAME_MAX) {
		return -ENAMETOOLONG;
	}
	strcpy(f->name, to);
	write_done(fake);
	return 0;
}

static int file_remove(void *ctx, const char *name)
{
	struct fake_port *fake = ctx;
	struct fake_file *f;
	int ret;

	ret = write_begin(fake);
	if (ret == 0) {
		ret = injected(fake, &fake->fail_remove, name);
	}
	if (ret < 0) {
		return ret;
	}
	f = find(fake, name);
	if (f == NULL) {
		return -ENOENT;
	}
	f->used = false;
	write_done(fake);
	return 0;
}

static int file_stat(void *ctx, const char *name, size_t *size)
{
	struct fake_port *fake = ctx;
	struct fake_file *f;
	int ret;

	if (fake->power_off) {
		return -EIO;
	}
	ret = injected(fake, &fake->fail_stat, name);
	if (ret < 0) {
		return ret;
	}
	f = find(fake, name);
	if (f == NULL) {
		return -ENOENT;
	}
	*size = f->size;
	return 0;
}

static int slot_size(void *ctx, enum ota_slot slot, size_t *size)
{
	struct fake_port *fake = ctx;

	(void)slot;
	*size = fake->slot_size;
	return 0;
}

static size_t slot_erase_size(void *ctx)
{
	return ((struct fake_port *)ctx)->erase_size;
}

static size_t slot_write_block(void *ctx)
{
	return ((struct fake_port *)ctx)->write_block;
}

static int slot_erase(void *ctx, enum ota_slot slot, size_t off, size_t len)
{
	struct fake_port *fake = ctx;
	int ret;

	ret = write_begin(fake);
	if (ret < 0) {
		return ret;
	}
	if (off % fake->erase_size != 0 || len % fake->erase_size != 0 ||
	    off + len > fake->slot_size || off + len < off) {
		return -EINVAL;
	}
	memset(fake->slot[slot] + off, 0xff, len);
	write_done(fake);
	return 0;
}

static int slot_write(void *ctx, enum ota_slot slot, size_t off, const void *buf, size_t len)
{
	struct fake_port *fake = ctx;
	const uint8_t *src = buf;
	size_t i;
	int ret;

	ret = write_begin(fake);
	if (ret < 0) {
		return ret;
	}
	if (off % fake->write_block != 0 || len % fake->write_block != 0 ||
	    off + len > fake->slot_size || off + len < off) {
		return -EINVAL;
	}
	/* NOR flash: a write over bytes not erased is a bug of the caller. */
	for (i = 0; i < len; i++) {
		if (fake->slot[slot][off + i] != 0xff) {
			return -EIO;
		}
	}
	if (tears_now(fake)) {
		size_t half = len / 2 - (len / 2) % fake->write_block;

		memcpy(fake->slot[slot] + off, src, half);
		return torn(fake);
	}
	for (i = 0; i < len; i++) {
		fake->slot[slot][off + i] = src[i];
	}
	write_done(fake);
	return 0;
}

static int slot_read(void *ctx, enum ota_slot slot, size_t off, void *buf, size_t len)
{
	struct fake_port *fake = ctx;
	int ret;

	if (fake->power_off) {
		return -EIO;
	}
	if (off + len > fake->slot_size || off + len < off) {
		return -EINVAL;
	}
	ret = injected(fake, &fake->fail_slot_read, slot == OTA_SLOT_RUNNING ? "slot0" : "slot1");
	if (ret < 0) {
		return ret;
	}
	memcpy(buf, fake->slot[slot] + off, len);
	return 0;
}

static int boot_request_test(void *ctx)
{
	struct fake_port *fake = ctx;
	int ret;

	ret = write_begin(fake);
	if (ret < 0) {
		return ret;
	}
	fake->test_requested = true;
	write_done(fake);
	fake->request_write = fake->writes;
	return 0;
}

static int boot_confirm(void *ctx)
{
	struct fake_port *fake = ctx;
	int ret;

	ret = write_begin(fake);
	if (ret < 0) {
		return ret;
	}
	if (fake->trial) {
		fake->confirmed = true;
	}
	write_done(fake);
	return 0;
}

static int boot_is_on_trial(void *ctx, bool *trial)
{
	struct fake_port *fake = ctx;

	if (fake->power_off) {
		return -EIO;
	}
	*trial = fake->trial && !fake->confirmed;
	return 0;
}

static int state_load(void *ctx, void *buf, size_t len)
{
	struct fake_port *fake = ctx;
	int ret;

	if (fake->power_off) {
		return -EIO;
	}
	ret = injected(fake, &fake->fail_state_load, "state");
	if (ret < 0) {
		return ret;
	}
	if (fake->state_len < 0) {
		return -ENOENT;
	}
	if ((size_t)fake->state_len > len) {
		return -ENOSPC;
	}
	memcpy(buf, fake->state, (size_t)fake->state_len);
	return fake->state_len;
}

static int state_save(void *ctx, const void *buf, size_t len)
{
	struct fake_port *fake = ctx;
	int ret;

	ret = write_begin(fake);
	if (ret < 0) {
		return ret;
	}
	if (len > FAKE_STATE_MAX) {
		return -ENOSPC;
	}
	/* Atomic by contract: the whole record or nothing. */
	memcpy(fake->state, buf, len);
	fake->state_len = (int)len;
	write_done(fake);
	return 0;
}

static uint32_t uptime_ms(void *ctx)
{
	return ((struct fake_port *)ctx)->now_ms;
}

static void sleep_ms(void *ctx, uint32_t ms)
{
	struct fake_port *fake = ctx;

	fake->now_ms += ms;
	fake->slept_ms += ms;
}

static int reboot(void *ctx)
{
	(void)ctx;
	return -ENOTSUP;
}

static void swap_slots(struct fake_port *fake)
{
	uint8_t *tmp = fake->slot[0];

	fake->slot[0] = fake->slot[1];
	fake->slot[1] = tmp;
}

void fake_power_cycle(struct fake_port *fake)
{
	int h;

	for (h = 0; h < 4; h++) {
		fake->handles[h].open = false;
	}
	/* A cut not reached yet stays armed across resets: it counts all writes. */
	if (fake->power_off) {
		fake->cut_after = 0;
	}
	fake->power_off = false;
	fake->reports = 0;
	fake->requests = 0;
	fake->log_len = 0;

	/* MCUboot at reset: a requested test swap, or the revert of an unconfirmed trial. */
	if (fake->test_requested) {
		swap_slots(fake);
		fake->test_requested = false;
		fake->trial = true;
		fake->confirmed = false;
		fake->swaps++;
	} else if (fake->trial && !fake->confirmed) {
		swap_slots(fake);
		fake->trial = false;
		fake->reverts++;
	} else {
		fake->trial = false;
		fake->confirmed = false;
	}
}

void fake_set_desired(struct fake_port *fake, const char *doc)
{
	fake->desired_doc = doc;
	fake->desired_len = doc != NULL ? strlen(doc) : 0;
}

void fake_set_item(struct fake_port *fake, int item, const void *data, size_t size)
{
	fake->items[item].data = data;
	fake->items[item].size = size;
}

int fake_port_init(struct fake_port *fake, size_t slot_bytes, size_t erase_size,
		   size_t write_block)
{
	int i;

	memset(fake, 0, sizeof(*fake));
	for (i = 0; i < 2; i++) {
		fake->slot[i] = malloc(slot_bytes);
		if (fake->slot[i] == NULL) {
			fake_port_free(fake);
			return -ENOMEM;
		}
		memset(fake->slot[i], 0xff, slot_bytes);
	}
	fake->slot_size = slot_bytes;
	fake->erase_size = erase_size;
	fake->write_block = write_block;
	fake->state_len = -1;
	fake->doc_max_szx = 6;
	for (i = 0; i < 3; i++) {
		fake->items[i].max_szx = 6;
	}

	fake->port = (struct ota_port){
		.ctx = fake,
		.file_open = file_open,
		.file_read = file_read,
		.file_write = file_write,
		.file_close = file_close,
		.file_rename = file_rename,
		.file_remove = file_remove,
		.file_stat = file_stat,
		.slot_size = slot_size,
		.slot_erase_size = slot_erase_size,
		.slot_write_block = slot_write_block,
		.slot_erase = slot_erase,
		.slot_write = slot_write,
		.slot_read = slot_read,
		.gateway_request = fake_gateway_request,
		.boot_request_test = boot_request_test,
		.boot_confirm = boot_confirm,
		.boot_is_on_trial = boot_is_on_trial,
		.state_load = state_load,
		.state_save = state_save,
		.uptime_ms = uptime_ms,
		.sleep_ms = sleep_ms,
		.reboot = reboot,
	};
	return 0;
}

void fake_port_free(struct fake_port *fake)
{
	free(fake->slot[0]);
	free(fake->slot[1]);
	fake->slot[0] = NULL;
	fake->slot[1] = NULL;
}
