/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The operations of the Zephyr port, one file per part; port.c puts them in struct ota_port. */

#ifndef DEGU_OTA_PORT_ZEPHYR_PRIV_H_
#define DEGU_OTA_PORT_ZEPHYR_PRIV_H_

#include <degu_ota/port.h>

struct ota_zephyr {
	/* Mount point of the FAT volume, "/NAND:". */
	const char *mount;
};

/* port_files.c */
int ota_zephyr_file_open(void *ctx, const char *name, enum ota_file_mode mode,
			 struct ota_file **file);
int ota_zephyr_file_read(void *ctx, struct ota_file *file, void *buf, size_t len);
int ota_zephyr_file_write(void *ctx, struct ota_file *file, const void *buf, size_t len);
int ota_zephyr_file_close(void *ctx, struct ota_file *file);
int ota_zephyr_file_rename(void *ctx, const char *from, const char *to);
int ota_zephyr_file_remove(void *ctx, const char *name);
int ota_zephyr_file_stat(void *ctx, const char *name, size_t *size);

/* port_slots.c */
int ota_zephyr_slot_size(void *ctx, enum ota_slot slot, size_t *size);
size_t ota_zephyr_slot_erase_size(void *ctx);
size_t ota_zephyr_slot_write_block(void *ctx);
int ota_zephyr_slot_erase(void *ctx, enum ota_slot slot, size_t off, size_t len);
int ota_zephyr_slot_write(void *ctx, enum ota_slot slot, size_t off, const void *buf,
			  size_t len);
int ota_zephyr_slot_read(void *ctx, enum ota_slot slot, size_t off, void *buf, size_t len);
int ota_zephyr_boot_request_test(void *ctx);
int ota_zephyr_boot_confirm(void *ctx);
int ota_zephyr_boot_is_on_trial(void *ctx, bool *trial);

/* port_state.c */
int ota_zephyr_state_init(void);
int ota_zephyr_state_load(void *ctx, void *buf, size_t len);
int ota_zephyr_state_save(void *ctx, const void *buf, size_t len);

/* port_thread.c: the gateway's address, [mesh-local prefix]::1 port 5683. */
struct sockaddr_in6;
int ota_zephyr_gateway_addr(struct sockaddr_in6 *addr);

/* port_gateway.c */
int ota_zephyr_gateway_request(void *ctx, enum ota_coap_method method, const char *path,
			       const void *payload, size_t payload_len,
			       const struct ota_block2 *block2, struct ota_coap_response *rsp,
			       void *buf, size_t buf_len);

#endif /* DEGU_OTA_PORT_ZEPHYR_PRIV_H_ */
