/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The POSIX port's instance: creation, the operation table, time, reboot and logging. */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_internal.h"

static int log_level = OTA_POSIX_LOG_WRN;

void ota_posix_set_log_level(int level)
{
	if (level < OTA_POSIX_LOG_NONE) {
		level = OTA_POSIX_LOG_NONE;
	} else if (level > OTA_POSIX_LOG_DBG) {
		level = OTA_POSIX_LOG_DBG;
	}
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

void posix_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "", "err", "wrn", "inf", "dbg" };
	char line[512];
	va_list ap;
	int n;

	if (level > __atomic_load_n(&log_level, __ATOMIC_RELAXED)) {
		return;
	}

	/* One write per line, so that lines of concurrent devices do not interleave. */
	n = snprintf(line, sizeof(line), "<%s> ota_posix: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	fputs(line, stderr);
}

int posix_join(char *out, size_t out_len, const char *dir, const char *name)
{
	int n = snprintf(out, out_len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= out_len) {
		return -ENAMETOOLONG;
	}

	return 0;
}

int posix_sync_dir(const char *dir)
{
	int fd;
	int ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		return -errno;
	}

	if (fsync(fd) < 0) {
		ret = -errno;
	}

	close(fd);
	return ret;
}

int posix_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}

	return 0;
}

int posix_pread_all(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		if (n == 0) {
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}

	return 0;
}

static uint32_t posix_uptime_ms(void *ctx)
{
	struct ota_posix *posix = ctx;
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(now.tv_sec - posix->started.tv_sec) * 1000 +
	     (now.tv_nsec - posix->started.tv_nsec) / 1000000;

	/* Wraps after 49 days like a 32-bit millisecond counter on the target. */
	return (uint32_t)ms;
}

static void posix_sleep_ms(void *ctx, uint32_t ms)
{
	struct timespec left = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	(void)ctx;

	while (nanosleep(&left, &left) < 0 && errno == EINTR) {
	}
}

static int posix_reboot(void *ctx)
{
	(void)ctx;

	/* The simulated device restarts its boot flow itself (degutool sim): nothing to do here. */
	return -ENOTSUP;
}

static int posix_mkdir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0777) == 0) {
		return 0;
	}
	if (errno != EEXIST) {
		return -errno;
	}
	if (stat(path, &st) < 0) {
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		return -ENOTDIR;
	}

	return 0;
}

static int posix_paths_init(struct ota_posix *posix, const char *dir)
{
	int ret;

	if (strlen(dir) >= sizeof(posix->dir)) {
		return -ENAMETOOLONG;
	}
	strcpy(posix->dir, dir);

	ret = posix_join(posix->fat_dir, sizeof(posix->fat_dir), dir, "fat");
	if (ret < 0) {
		return ret;
	}

	ret = posix_join(posix->slot_path[0], sizeof(posix->slot_path[0]), dir, "slot0.bin");
	if (ret < 0) {
		return ret;
	}

	ret = posix_join(posix->slot_path[1], sizeof(posix->slot_path[1]), dir, "slot1.bin");
	if (ret < 0) {
		return ret;
	}

	ret = posix_join(posix->state_path, sizeof(posix->state_path), dir, "ota_state.bin");
	if (ret < 0) {
		return ret;
	}

	return posix_join(posix->state_tmp_path, sizeof(posix->state_tmp_path), dir,
			  "ota_state.tmp");
}

static void posix_ops_init(struct ota_posix *posix)
{
	struct ota_port *port = &posix->port;

	port->ctx = posix;
	port->file_open = posix_file_open;
	port->file_read = posix_file_read;
	port->file_write = posix_file_write;
	port->file_close = posix_file_close;
	port->file_rename = posix_file_rename;
	port->file_remove = posix_file_remove;
	port->file_stat = posix_file_stat;
	port->slot_size = posix_slot_size;
	port->slot_erase_size = posix_slot_erase_size;
	port->slot_write_block = posix_slot_write_block;
	port->slot_erase = posix_slot_erase;
	port->slot_write = posix_slot_write;
	port->slot_read = posix_slot_read;
	port->gateway_request = posix_gateway_request;
	port->boot_request_test = posix_boot_request_test;
	port->boot_confirm = posix_boot_confirm;
	port->boot_is_on_trial = posix_boot_is_on_trial;
	port->state_load = posix_state_load;
	port->state_save = posix_state_save;
	port->uptime_ms = posix_uptime_ms;
	port->sleep_ms = posix_sleep_ms;
	port->reboot = posix_reboot;
}

int ota_posix_create(const struct ota_posix_config *cfg, struct ota_posix **out)
{
	struct ota_posix *posix;
	int ret;

	*out = NULL;

	if (cfg->dir == NULL || cfg->dir[0] == '\0') {
		LOG_ERR("No device folder given: set ota_posix_config.dir");
		return -EINVAL;
	}

	if (cfg->gateway_host == NULL || cfg->gateway_host[0] == '\0') {
		LOG_ERR("No gateway address given: set ota_posix_config.gateway_host to an IPv4 "
			"or IPv6 literal");
		return -EINVAL;
	}

	posix = calloc(1, sizeof(*posix));
	if (posix == NULL) {
		return -ENOMEM;
	}

	posix->coap_fd = -1;
	posix->slot_size = cfg->slot_size != 0 ? cfg->slot_size : OTA_POSIX_SLOT_SIZE;
	posix->ack_timeout_ms =
		cfg->ack_timeout_ms != 0 ? cfg->ack_timeout_ms : OTA_POSIX_ACK_TIMEOUT_MS;
	clock_gettime(CLOCK_MONOTONIC, &posix->started);
	posix_ops_init(posix);

	ret = pthread_mutex_init(&posix->coap_lock, NULL);
	if (ret != 0) {
		free(posix);
		return -ret;
	}

	ret = posix_paths_init(posix, cfg->dir);
	if (ret < 0) {
		LOG_ERR("Device folder %s is too long (%d)", cfg->dir, ret);
		goto fail;
	}

	ret = posix_mkdir(posix->dir);
	if (ret < 0) {
		LOG_ERR("Could not create device folder %s (%d)", posix->dir, ret);
		goto fail;
	}

	ret = posix_files_init(posix);
	if (ret < 0) {
		goto fail;
	}

	ret = posix_slots_init(posix);
	if (ret < 0) {
		goto fail;
	}

	ret = posix_coap_init(posix, cfg->gateway_host,
			      cfg->gateway_port != 0 ? cfg->gateway_port : OTA_POSIX_COAP_PORT);
	if (ret < 0) {
		goto fail;
	}

	*out = posix;
	return 0;

fail:
	ota_posix_destroy(posix);
	return ret;
}

const struct ota_port *ota_posix_port(struct ota_posix *posix)
{
	return &posix->port;
}

void ota_posix_destroy(struct ota_posix *posix)
{
	if (posix == NULL) {
		return;
	}

	posix_coap_close(posix);
	pthread_mutex_destroy(&posix->coap_lock);
	free(posix);
}
