/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* MD5 through mbedtls, one wrapper over its 2.x (_ret) and 3.x names. */

#ifndef DEGU_OTA_DIGEST_H_
#define DEGU_OTA_DIGEST_H_

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/md5.h>

struct ota_md5 {
	mbedtls_md5_context ctx;
};

int ota_md5_start(struct ota_md5 *md5);
int ota_md5_update(struct ota_md5 *md5, const void *data, size_t len);
/* Writes the digest and releases the context. */
int ota_md5_finish(struct ota_md5 *md5, uint8_t digest[16]);
/* Releases the context without a digest (error paths). */
void ota_md5_abort(struct ota_md5 *md5);

#endif /* DEGU_OTA_DIGEST_H_ */
