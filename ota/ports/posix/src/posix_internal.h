/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* What the files of the POSIX port share; not part of any public interface. */

#ifndef DEGU_OTA_POSIX_INTERNAL_H_
#define DEGU_OTA_POSIX_INTERNAL_H_

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <degu_ota/port.h>
#include <degu_ota/posix.h>

#include "posix_log.h"

struct ota_posix {
	struct ota_port port;

	/* Folder paths, each NUL-terminated and checked for length at creation. */
	char dir[PATH_MAX];
	char fat_dir[PATH_MAX];
	char slot_path[2][PATH_MAX];
	char state_path[PATH_MAX];
	char state_tmp_path[PATH_MAX];
	size_t slot_size;

	/* The gateway, resolved once. */
	struct sockaddr_storage gateway;
	socklen_t gateway_len;
	uint32_t ack_timeout_ms;
	/* Serialises gateway requests of this instance. */
	pthread_mutex_t coap_lock;
	/* The connected UDP socket (-1 until the first request), the next message ID and the
	 * generator of tokens and jitter (posix_coap.c).
	 */
	int coap_fd;
	uint16_t coap_mid;
	uint64_t coap_rng;

	struct timespec started;
};

/* Token length of the device's requests; also the longest RFC 7252 allows. */
#define COAP_TOKEN_LEN 8u

/* One CoAP message as posix_coap_decode() finds it; payload points into the datagram. */
struct posix_coap_msg {
	uint8_t type;
	uint8_t code;
	uint16_t mid;
	uint8_t token[COAP_TOKEN_LEN];
	size_t token_len;
	const uint8_t *payload;
	size_t payload_len;
	bool has_block2;
	uint32_t block2;
	bool has_size2;
	uint32_t size2;
};

/*
 * Parse a datagram (posix_coap.c; exposed for ota/fuzz/fuzz_coap.c).
 * @retval -EBADMSG anything RFC 7252 calls a message format error.
 */
int posix_coap_decode(const uint8_t *buf, size_t len, struct posix_coap_msg *msg);

/* Build "<dir>/<name>" into @p out; -ENAMETOOLONG when it does not fit. */
int posix_join(char *out, size_t out_len, const char *dir, const char *name);

/* fsync() the folder @p dir so that a rename or unlink in it is durable. */
int posix_sync_dir(const char *dir);

/* Write all of @p buf at @p off (pwrite until done); a negative errno on failure. */
int posix_pwrite_all(int fd, const void *buf, size_t len, off_t off);

/* Read exactly @p len bytes at @p off; -EIO when the file is shorter. */
int posix_pread_all(int fd, void *buf, size_t len, off_t off);

int posix_files_init(struct ota_posix *posix);
int posix_slots_init(struct ota_posix *posix);
int posix_coap_init(struct ota_posix *posix, const char *host, uint16_t port);
void posix_coap_close(struct ota_posix *posix);

/* The port operations, wired into struct ota_port by posix_port.c. */
int posix_file_open(void *ctx, const char *name, enum ota_file_mode mode, struct ota_file **file);
int posix_file_read(void *ctx, struct ota_file *file, void *buf, size_t len);
int posix_file_write(void *ctx, struct ota_file *file, const void *buf, size_t len);
int posix_file_close(void *ctx, struct ota_file *file);
int posix_file_rename(void *ctx, const char *from, const char *to);
int posix_file_remove(void *ctx, const char *name);
int posix_file_stat(void *ctx, const char *name, size_t *size);

int posix_slot_size(void *ctx, enum ota_slot slot, size_t *size);
size_t posix_slot_erase_size(void *ctx);
size_t posix_slot_write_block(void *ctx);
int posix_slot_erase(void *ctx, enum ota_slot slot, size_t off, size_t len);
int posix_slot_write(void *ctx, enum ota_slot slot, size_t off, const void *buf, size_t len);
int posix_slot_read(void *ctx, enum ota_slot slot, size_t off, void *buf, size_t len);

int posix_boot_request_test(void *ctx);
int posix_boot_confirm(void *ctx);
int posix_boot_is_on_trial(void *ctx, bool *trial);

int posix_state_load(void *ctx, void *buf, size_t len);
int posix_state_save(void *ctx, const void *buf, size_t len);

int posix_gateway_request(void *ctx, enum ota_coap_method method, const char *path,
			  const void *payload, size_t payload_len, const struct ota_block2 *block2,
			  struct ota_coap_response *rsp, void *buf, size_t buf_len);

#endif /* DEGU_OTA_POSIX_INTERNAL_H_ */
