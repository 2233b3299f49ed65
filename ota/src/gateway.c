/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* Requests to the gateway (docs/protocol.md): paths, error codes, the per-item preparation. */

#include <errno.h>
#include <string.h>

#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota_gateway);

#define CODE_CREATED  OTA_COAP_CODE(2, 1)
#define CODE_VALID    OTA_COAP_CODE(2, 3)
#define CODE_CHANGED  OTA_COAP_CODE(2, 4)
#define CODE_CONTENT  OTA_COAP_CODE(2, 5)
#define CODE_BAD_REQ  OTA_COAP_CODE(4, 0)
#define CODE_NOTFOUND OTA_COAP_CODE(4, 4)
#define CODE_PRECOND  OTA_COAP_CODE(4, 12)
#define CODE_TOOLARGE OTA_COAP_CODE(4, 13)
#define CODE_BAD_GW   OTA_COAP_CODE(5, 2)
#define CODE_GW_TIME  OTA_COAP_CODE(5, 4)

void ota_gw_path(struct ota *ota, const char *prefix, const char *item)
{
	ota->path[0] = '\0';
	ota_text_append(ota->path, sizeof(ota->path), prefix);
	if (item != NULL) {
		ota_text_append(ota->path, sizeof(ota->path), item);
		ota_text_append(ota->path, sizeof(ota->path), "/");
	}
	ota_text_append(ota->path, sizeof(ota->path), ota->eui64);
}

int ota_gw_request(struct ota *ota, enum ota_coap_method method, const void *payload,
		   size_t payload_len, const struct ota_block2 *block2,
		   struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	int ret;

	memset(rsp, 0, sizeof(*rsp));
	ret = ota->port->gateway_request(ota->port->ctx, method, ota->path, payload, payload_len,
					 block2, rsp, buf, buf_len);
	if (ret < 0) {
		OTA_LOG_DBG("%d %s: no response (%d)", (int)method, ota->path, ret);
		return ret;
	}
	if (rsp->payload_len > buf_len) {
		/* A port bug must not make the core read past its buffer. */
		return -EMSGSIZE;
	}
	OTA_LOG_DBG("%d %s: %d.%02d, %u bytes", (int)method, ota->path, rsp->code >> 5,
		    rsp->code & 0x1f, (unsigned int)rsp->payload_len);
	return 0;
}

static int code_errno(uint8_t code)
{
	switch (code) {
	case CODE_BAD_REQ:
		return -EINVAL;
	case CODE_NOTFOUND:
		return -ENOENT;
	case CODE_PRECOND:
		return -EBADMSG;
	case CODE_TOOLARGE:
		return -EFBIG;
	case CODE_BAD_GW:
		return -EIO;
	case CODE_GW_TIME:
		return -ETIMEDOUT;
	default:
		return -EPROTO;
	}
}

int ota_gw_error(struct ota *ota, const char *what, const struct ota_coap_response *rsp,
		 const void *payload)
{
	char code[8];
	size_t used;

	code[0] = (char)('0' + (rsp->code >> 5));
	code[1] = '.';
	code[2] = (char)('0' + (rsp->code & 0x1f) / 10);
	code[3] = (char)('0' + (rsp->code & 0x1f) % 10);
	code[4] = '\0';

	ota_text_set(ota->reason, sizeof(ota->reason), what);
	ota_text_append(ota->reason, sizeof(ota->reason), " ");
	ota_text_append(ota->reason, sizeof(ota->reason), code);
	if (rsp->payload_len > 0) {
		ota_text_append(ota->reason, sizeof(ota->reason), " ");
		used = strlen(ota->reason);
		ota_text_copy(ota->reason + used, sizeof(ota->reason) - used, payload,
			      rsp->payload_len);
	}
	OTA_LOG_WRN("%s: %s", ota->path, ota->reason);
	return code_errno(rsp->code);
}

int ota_gw_failed(struct ota *ota, const char *what, int err)
{
	ota_text_set(ota->reason, sizeof(ota->reason), what);
	ota_text_append(ota->reason, sizeof(ota->reason), err == -ETIMEDOUT ? " timeout"
									  : " no response");
	OTA_LOG_WRN("%s: %s (%d)", ota->path, ota->reason, err);
	return err;
}

int ota_gw_prepare_item(struct ota *ota, enum ota_item item)
{
	struct ota_coap_response rsp;
	int len;
	int poll;
	int ret;

	ota_gw_path(ota, "update/", ota_item_key(item));
	ret = ota_gw_request(ota, OTA_COAP_PUT, NULL, 0, NULL, &rsp, ota->block,
			     CONFIG_DEGU_OTA_BLOCK_MAX);
	if (ret < 0) {
		return ota_gw_failed(ota, "gateway", ret);
	}
	if (rsp.code != CODE_CHANGED) {
		return ota_gw_error(ota, "gateway", &rsp, ota->block);
	}

	len = ota_desired_build(&ota->desired, ota->doc, sizeof(ota->doc));
	if (len < 0) {
		ota_text_set(ota->reason, sizeof(ota->reason), "desired document too large");
		return len;
	}

	for (poll = 0; poll < CONFIG_DEGU_OTA_BUSY_POLLS; poll++) {
		if (poll > 0) {
			ota->port->sleep_ms(ota->port->ctx, CONFIG_DEGU_OTA_BUSY_POLL_MS);
		}
		ret = ota_gw_request(ota, OTA_COAP_POST, ota->doc, (size_t)len, NULL, &rsp,
				     ota->block, CONFIG_DEGU_OTA_BLOCK_MAX);
		if (ret < 0) {
			return ota_gw_failed(ota, "gateway", ret);
		}
		if (rsp.code == CODE_CHANGED || rsp.code == CODE_CREATED) {
			return 0;
		}
		if (rsp.code != CODE_VALID) {
			return ota_gw_error(ota, "gateway", &rsp, ota->block);
		}
	}

	ota_text_set(ota->reason, sizeof(ota->reason), "gateway busy");
	OTA_LOG_WRN("%s: still busy after %d polls", ota->path, CONFIG_DEGU_OTA_BUSY_POLLS);
	return -EBUSY;
}
