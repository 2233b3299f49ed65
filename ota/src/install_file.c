/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * main.py and CONFIG.  A new file is written under a temporary name and hashed as it arrives.
 * Only a matching digest makes it a replacement, and the replacement is journalled in the
 * state record before the old file goes:
 *
 *   write temp -> verify -> save journal -> remove old -> rename temp -> save cleared journal
 *
 * A power cut before the journal leaves the old file and an unverified temporary file, which
 * ota_files_recover() deletes; after it, the journal names a verified temporary file, which
 * recovery puts in place (FAT cannot rename over a file, hence remove, then rename).
 */

#include <errno.h>
#include <string.h>

#include "digest.h"
#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota_file);

struct file_sink {
	struct ota *ota;
	struct ota_file *file;
	struct ota_md5 md5;
};

int ota_file_digest(struct ota *ota, const char *name, uint8_t digest[OTA_MD5_SIZE])
{
	const struct ota_port *port = ota->port;
	struct ota_file *file;
	struct ota_md5 md5;
	int ret;

	ret = port->file_open(port->ctx, name, OTA_FILE_READ, &file);
	if (ret < 0) {
		return ret;
	}

	ret = ota_md5_start(&md5);
	if (ret < 0) {
		(void)port->file_close(port->ctx, file);
		return ret;
	}

	for (;;) {
		ret = port->file_read(port->ctx, file, ota->block, CONFIG_DEGU_OTA_BLOCK_MAX);
		if (ret <= 0) {
			break;
		}
		ret = ota_md5_update(&md5, ota->block, (size_t)ret);
		if (ret < 0) {
			break;
		}
	}

	(void)port->file_close(port->ctx, file);
	if (ret < 0) {
		ota_md5_abort(&md5);
		return ret;
	}
	return ota_md5_finish(&md5, digest);
}

static int remove_if_there(const struct ota_port *port, const char *name)
{
	int ret = port->file_remove(port->ctx, name);

	return ret == -ENOENT ? 0 : ret;
}

/* Put the journalled temporary file in place and clear the journal. */
static int finish_replacement(struct ota *ota)
{
	const struct ota_port *port = ota->port;
	enum ota_item item = (enum ota_item)ota->state.journal.item;
	int ret;

	ret = remove_if_there(port, ota_item_file(item));
	if (ret < 0) {
		OTA_LOG_DBG("Could not remove %s (%d)", ota_item_file(item), ret);
		return ret;
	}

	ret = port->file_rename(port->ctx, ota_item_temp(item), ota_item_file(item));
	if (ret < 0) {
		OTA_LOG_DBG("Could not rename %s to %s (%d)", ota_item_temp(item),
			    ota_item_file(item), ret);
		return ret;
	}

	ota_state_installed(&ota->state, item, ota->state.journal.url);
	ota->state.journal.active = 0;
	ret = ota_state_save(ota);
	if (ret < 0) {
		return ret;
	}

	OTA_LOG_INF("Installed %s", ota_item_file(item));
	return 0;
}

/*
 * The journal names a verified temporary file and the old file may be gone already, so only a
 * digest that was computed and differs may drop it; any error leaves journal and file for the
 * next boot.
 */
static int recover_journal(struct ota *ota)
{
	const struct ota_port *port = ota->port;
	struct ota_journal *journal = &ota->state.journal;
	enum ota_item item = (enum ota_item)journal->item;
	uint8_t digest[OTA_MD5_SIZE];
	size_t size;
	int ret;

	ret = port->file_stat(port->ctx, ota_item_temp(item), &size);
	if (ret == -ENOENT) {
		/* Renamed before the cut: only the journal is left to clear. */
		ota_state_installed(&ota->state, item, journal->url);
		journal->active = 0;
		return ota_state_save(ota);
	}
	if (ret < 0) {
		return ret;
	}

	ret = ota_file_digest(ota, ota_item_temp(item), digest);
	if (ret < 0) {
		return ret;
	}
	if (memcmp(digest, journal->digest, OTA_MD5_SIZE) != 0) {
		OTA_LOG_WRN("Journalled %s does not verify; dropping it", ota_item_temp(item));
		journal->active = 0;
		return ota_state_save(ota);
	}

	OTA_LOG_INF("Finishing the replacement of %s", ota_item_file(item));
	return finish_replacement(ota);
}

int ota_files_recover(struct ota *ota)
{
	const struct ota_port *port = ota->port;
	size_t size;
	int item;
	int ret;

	if (ota->state.journal.active) {
		ret = recover_journal(ota);
		if (ret < 0) {
			return ret;
		}
	}

	for (item = 0; item < OTA_ITEM_FIRMWARE; item++) {
		const char *temp = ota_item_temp((enum ota_item)item);

		ret = port->file_stat(port->ctx, temp, &size);
		if (ret == -ENOENT) {
			continue;
		}
		if (ret < 0) {
			return ret;
		}
		OTA_LOG_WRN("Removing unverified %s (%u bytes)", temp, (unsigned int)size);
		ret = remove_if_there(port, temp);
		if (ret < 0) {
			OTA_LOG_DBG("Could not remove %s (%d)", temp, ret);
			return ret;
		}
	}
	return 0;
}

static int file_sink(void *ctx, uint32_t offset, const uint8_t *data, size_t len, uint32_t total)
{
	struct file_sink *sink = ctx;
	const struct ota_port *port = sink->ota->port;
	int ret;

	(void)offset;
	(void)total;

	ret = port->file_write(port->ctx, sink->file, data, len);
	if (ret < 0) {
		ota_text_set(sink->ota->reason, sizeof(sink->ota->reason), "file write failed");
		return ret;
	}
	return ota_md5_update(&sink->md5, data, len);
}

int ota_install_file(struct ota *ota, enum ota_item item)
{
	const struct ota_port *port = ota->port;
	const struct ota_desired_item *want = &ota->desired.item[item];
	const char *temp = ota_item_temp(item);
	struct file_sink sink = {.ota = ota};
	uint8_t digest[OTA_MD5_SIZE];
	uint32_t received;
	int ret;
	int close_ret;

	/* The temporary file an active journal names may be the only copy of the item. */
	if (ota->state.journal.active) {
		ota_text_set(ota->reason, sizeof(ota->reason), "replacement pending");
		return -EBUSY;
	}

	ret = remove_if_there(port, temp);
	if (ret == 0) {
		ret = port->file_open(port->ctx, temp, OTA_FILE_WRITE, &sink.file);
	}
	if (ret < 0) {
		ota_text_set(ota->reason, sizeof(ota->reason), "cannot create file");
		OTA_LOG_DBG("Could not create %s (%d)", temp, ret);
		return ret;
	}

	ret = ota_md5_start(&sink.md5);
	if (ret < 0) {
		(void)port->file_close(port->ctx, sink.file);
		goto out_remove;
	}

	ota_gw_path(ota, "update/", ota_item_key(item));
	ret = ota_fetch(ota, CONFIG_DEGU_OTA_FILE_MAX, "oversize", file_sink, &sink, &received);
	close_ret = port->file_close(port->ctx, sink.file);
	if (ret == 0 && close_ret < 0) {
		ota_text_set(ota->reason, sizeof(ota->reason), "file write failed");
		ret = close_ret;
	}
	if (ret < 0) {
		ota_md5_abort(&sink.md5);
		goto out_remove;
	}

	ret = ota_md5_finish(&sink.md5, digest);
	if (ret < 0) {
		goto out_remove;
	}
	if (memcmp(digest, want->digest, OTA_MD5_SIZE) != 0) {
		ota_text_set(ota->reason, sizeof(ota->reason), "digest mismatch");
		ret = -EBADMSG;
		goto out_remove;
	}
	OTA_LOG_INF("Verified %s (%u bytes)", temp, (unsigned int)received);

	ota->state.journal.active = 1;
	ota->state.journal.item = (uint8_t)item;
	memcpy(ota->state.journal.digest, digest, OTA_MD5_SIZE);
	ota_text_set(ota->state.journal.url, sizeof(ota->state.journal.url), want->url);
	ret = ota_state_save(ota);
	if (ret < 0) {
		ota->state.journal.active = 0;
		ota_text_set(ota->reason, sizeof(ota->reason), "state save failed");
		goto out_remove;
	}

	ret = finish_replacement(ota);
	if (ret < 0) {
		/* The journal stays: ota_boot() reboots and ota_init() finishes the replacement. */
		ota_text_set(ota->reason, sizeof(ota->reason), "replace failed");
		return ret;
	}
	return 0;

out_remove:
	(void)remove_if_there(port, temp);
	return ret;
}
