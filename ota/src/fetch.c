/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * Block2 reassembly (RFC 7959, docs/protocol.md "Block-wise transfer of a file").  The offset of
 * a block is num << (szx + 4) of the response that carried it, so a gateway may answer with a
 * smaller block than asked; the next request asks with the size the gateway chose.
 */

#include <errno.h>
#include <string.h>

#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota_fetch);

#define CODE_CONTENT OTA_COAP_CODE(2, 5)
#define SZX_MAX      6

static int block_szx_max(void)
{
	int szx = SZX_MAX;

	while (szx > 0 && (16U << szx) > CONFIG_DEGU_OTA_BLOCK_MAX) {
		szx--;
	}
	return szx;
}

static int fail(struct ota *ota, const char *reason, int err)
{
	ota_text_set(ota->reason, sizeof(ota->reason), reason);
	OTA_LOG_WRN("%s: %s", ota->path, reason);
	return err;
}

/* One block, asked for again when it is lost. */
static int request_block(struct ota *ota, const struct ota_block2 *req,
			 struct ota_coap_response *rsp)
{
	int tries;
	int ret = -ETIMEDOUT;

	for (tries = 0; tries <= CONFIG_DEGU_OTA_BLOCK_RETRIES; tries++) {
		ret = ota_gw_request(ota, OTA_COAP_GET, NULL, 0, req, rsp, ota->block,
				     CONFIG_DEGU_OTA_BLOCK_MAX);
		if (ret != -ETIMEDOUT) {
			return ret;
		}
		OTA_LOG_WRN("%s: block %u lost, asking again", ota->path, (unsigned int)req->num);
	}
	return ret;
}

int ota_fetch(struct ota *ota, uint32_t cap, const char *cap_reason, ota_fetch_sink sink,
	      void *sink_ctx, uint32_t *received)
{
	struct ota_block2 req = {.num = 0, .more = false, .szx = (uint8_t)block_szx_max()};
	struct ota_coap_response rsp;
	uint32_t total = 0;
	bool has_total = false;
	uint32_t got = 0;
	int ret;

	*received = 0;
	for (;;) {
		uint64_t offset;
		size_t block_size;

		ret = request_block(ota, &req, &rsp);
		if (ret == -ETIMEDOUT) {
			return fail(ota, "transfer", ret);
		}
		if (ret == -EMSGSIZE) {
			return fail(ota, "oversize", ret);
		}
		if (ret < 0) {
			return fail(ota, "transfer", ret);
		}
		if (rsp.code != CODE_CONTENT) {
			return ota_gw_error(ota, "gateway", &rsp, ota->block);
		}

		if (rsp.has_size2) {
			if (has_total && rsp.size2 != total) {
				return fail(ota, "size changed", -EPROTO);
			}
			total = rsp.size2;
			has_total = true;
			if (total > cap) {
				return fail(ota, cap_reason, -EFBIG);
			}
		}

		if (!rsp.has_block2) {
			/* The whole representation in one response. */
			if (got != 0) {
				return fail(ota, "gap", -EPROTO);
			}
			rsp.block2.num = 0;
			rsp.block2.more = false;
			rsp.block2.szx = req.szx;
		}
		if (rsp.block2.szx > req.szx) {
			return fail(ota, "block size", -EPROTO);
		}

		block_size = 16U << rsp.block2.szx;
		offset = (uint64_t)rsp.block2.num << (rsp.block2.szx + 4);
		if (offset != got) {
			return fail(ota, "gap", -EPROTO);
		}
		if (rsp.has_block2 && rsp.payload_len > block_size) {
			return fail(ota, "block size", -EPROTO);
		}
		if (rsp.block2.more && rsp.payload_len != block_size) {
			return fail(ota, "short block", -EPROTO);
		}
		if (has_total && (uint64_t)got + rsp.payload_len > total) {
			return fail(ota, "oversize", -EFBIG);
		}
		if ((uint64_t)got + rsp.payload_len > cap) {
			return fail(ota, cap_reason, -EFBIG);
		}

		if (rsp.payload_len > 0) {
			ret = sink(sink_ctx, got, ota->block, rsp.payload_len,
				   has_total ? total : 0);
			if (ret < 0) {
				return ret;
			}
		}
		got += (uint32_t)rsp.payload_len;
		*received = got;

		if (!rsp.block2.more) {
			break;
		}
		req.szx = rsp.block2.szx;
		req.num = got >> (req.szx + 4);
	}

	if (has_total && got != total) {
		return fail(ota, "size mismatch", -EPROTO);
	}
	return 0;
}
