/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#include <errno.h>

#include <mbedtls/version.h>

#include "digest.h"

/* mbedtls 3 renamed the *_ret functions of 2.x to the plain names; errors are mbedtls codes,
 * which the core reports as -EIO (MD5 in software cannot fail, a hardware driver might).
 */
#if MBEDTLS_VERSION_MAJOR >= 3
#define md5_starts mbedtls_md5_starts
#define md5_update mbedtls_md5_update
#define md5_finish mbedtls_md5_finish
#else
#define md5_starts mbedtls_md5_starts_ret
#define md5_update mbedtls_md5_update_ret
#define md5_finish mbedtls_md5_finish_ret
#endif

int ota_md5_start(struct ota_md5 *md5)
{
	mbedtls_md5_init(&md5->ctx);
	if (md5_starts(&md5->ctx) != 0) {
		mbedtls_md5_free(&md5->ctx);
		return -EIO;
	}
	return 0;
}

int ota_md5_update(struct ota_md5 *md5, const void *data, size_t len)
{
	return md5_update(&md5->ctx, data, len) == 0 ? 0 : -EIO;
}

int ota_md5_finish(struct ota_md5 *md5, uint8_t digest[16])
{
	int ret = md5_finish(&md5->ctx, digest) == 0 ? 0 : -EIO;

	mbedtls_md5_free(&md5->ctx);
	return ret;
}

void ota_md5_abort(struct ota_md5 *md5)
{
	mbedtls_md5_free(&md5->ctx);
}
