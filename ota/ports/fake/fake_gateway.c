/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The scripted gateway of the fake port: the requests of docs/protocol.md, with faults. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fake_port.h"

#define CODE(c, d) OTA_COAP_CODE(c, d)

static const char *const item_names[3] = {"script_user", "config_user", "firmware_system"};

static int answer(struct ota_coap_response *rsp, uint8_t code, const char *diag, void *buf,
		  size_t buf_len)
{
	size_t len = diag != NULL ? strlen(diag) : 0;

	if (len > buf_len) {
		return -EMSGSIZE;
	}
	rsp->code = code;
	if (len > 0) {
		memcpy(buf, diag, len);
	}
	rsp->payload_len = len;
	return 0;
}

/* Serve @p data block-wise: the block the client asked for, at most 16 << max_szx bytes. */
static int serve(const uint8_t *data, size_t size, const struct ota_block2 *req, uint8_t max_szx,
		 struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	struct ota_block2 want = {.num = 0, .szx = 6};
	size_t block;
	size_t off;
	size_t len;

	if (req != NULL) {
		want = *req;
	}
	if (want.szx > max_szx) {
		want.szx = max_szx;
	}
	block = (size_t)16 << want.szx;
	off = (size_t)want.num * block;
	if (off > size || (off == size && size != 0)) {
		return answer(rsp, CODE(4, 2), "block past the end", buf, buf_len);
	}
	len = size - off < block ? size - off : block;
	if (len > buf_len) {
		return -EMSGSIZE;
	}

	rsp->code = CODE(2, 5);
	memcpy(buf, data + off, len);
	rsp->payload_len = len;
	rsp->has_block2 = true;
	rsp->block2 = (struct ota_block2){
		.num = want.num,
		.more = off + len < size,
		.szx = want.szx,
	};
	rsp->has_size2 = true;
	rsp->size2 = (uint32_t)size;
	return 0;
}

static int item_get(struct fake_item *it, const struct ota_block2 *req,
		    struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	struct ota_block2 asked = {.num = 0, .szx = 6};
	bool faulty;
	int ret;

	it->gets++;
	if (req != NULL) {
		asked = *req;
	}
	if (it->data == NULL) {
		return answer(rsp, CODE(4, 4), "nothing fetched", buf, buf_len);
	}

	faulty = it->fault != FAKE_FAULT_NONE && asked.num == it->fault_block;
	if (faulty && it->fault == FAKE_FAULT_DROP && it->fault_count > 0) {
		it->fault_count--;
		return -ETIMEDOUT;
	}
	if (faulty && it->fault == FAKE_FAULT_ERRNO) {
		return -ENETUNREACH;
	}
	if (faulty && it->fault == FAKE_FAULT_CODE) {
		return answer(rsp, it->fault_code, it->diag, buf, buf_len);
	}
	if (faulty && it->fault == FAKE_FAULT_REORDER) {
		asked.num++;
	}

	ret = serve(it->data, it->size, &asked, it->max_szx, rsp, buf, buf_len);
	if (ret < 0 || rsp->code != CODE(2, 5)) {
		return ret;
	}
	if (it->fault == FAKE_FAULT_SIZE2_SMALL) {
		/* a consistent lie, on every block */
		rsp->size2--;
		return 0;
	}
	if (!faulty) {
		return 0;
	}

	switch (it->fault) {
	case FAKE_FAULT_TRUNCATE:
		rsp->payload_len--;
		break;
	case FAKE_FAULT_CORRUPT:
		((uint8_t *)buf)[0] ^= 0xff;
		break;
	case FAKE_FAULT_EXTRA:
		if (!rsp->block2.more && rsp->payload_len < buf_len) {
			((uint8_t *)buf)[rsp->payload_len++] = 0x55;
		}
		break;
	default:
		break;
	}
	return 0;
}

static int item_post(struct fake_item *it, struct ota_coap_response *rsp, void *buf,
		     size_t buf_len)
{
	char body[64];

	it->posts++;
	if (it->post_code != 0) {
		return answer(rsp, it->post_code, it->diag, buf, buf_len);
	}
	if (it->busy_left > 0) {
		it->busy_left--;
		return answer(rsp, CODE(2, 3), NULL, buf, buf_len);
	}
	snprintf(body, sizeof(body), "{\"size\":%u}", (unsigned int)it->size);
	return answer(rsp, CODE(2, 4), body, buf, buf_len);
}

static void log_request(struct fake_port *fake, enum ota_coap_method method, const char *path)
{
	static const char *const names[] = {"", "GET", "POST", "PUT", "DELETE"};

	if (fake->log_len == FAKE_LOG) {
		memmove(fake->log[0], fake->log[1], sizeof(fake->log[0]) * (FAKE_LOG - 1));
		fake->log_len--;
	}
	snprintf(fake->log[fake->log_len++], sizeof(fake->log[0]), "%s %s", names[method], path);
}

bool fake_requested(const struct fake_port *fake, const char *method, const char *path_prefix)
{
	char want[48];
	int i;

	snprintf(want, sizeof(want), "%s %s", method, path_prefix);
	for (i = 0; i < fake->log_len; i++) {
		if (strncmp(fake->log[i], want, strlen(want)) == 0) {
			return true;
		}
	}
	return false;
}

int fake_gateway_request(void *ctx, enum ota_coap_method method, const char *path,
			 const void *payload, size_t payload_len, const struct ota_block2 *block2,
			 struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	struct fake_port *fake = ctx;
	const char *rest;
	int i;

	memset(rsp, 0, sizeof(*rsp));
	if (fake->power_off || fake->gw_down) {
		return -ETIMEDOUT;
	}
	fake->requests++;
	if (fake->gw_down_after != 0 && fake->requests > fake->gw_down_after) {
		return -ETIMEDOUT;
	}
	log_request(fake, method, path);

	if (strncmp(path, "thing/", 6) == 0) {
		if (method == OTA_COAP_GET) {
			if (fake->shadow_doc == NULL) {
				return answer(rsp, CODE(4, 4), "no shadow", buf, buf_len);
			}
			return serve((const uint8_t *)fake->shadow_doc, strlen(fake->shadow_doc),
				     block2, fake->doc_max_szx, rsp, buf, buf_len);
		}
		if (fake->report_code != 0) {
			return answer(rsp, fake->report_code, "shadow refused", buf, buf_len);
		}
		if (payload_len >= FAKE_REPORT_MAX) {
			return answer(rsp, CODE(4, 13), "too large", buf, buf_len);
		}
		memcpy(fake->report, payload, payload_len);
		fake->report[payload_len] = '\0';
		fake->report_len = payload_len;
		if (fake->reports < 8) {
			memcpy(fake->report_log[fake->reports], fake->report, payload_len + 1);
		}
		fake->reports++;
		return answer(rsp, CODE(2, 4), NULL, buf, buf_len);
	}

	if (strncmp(path, "update/status/", 14) == 0) {
		if (method == OTA_COAP_PUT) {
			return answer(rsp, CODE(2, 4), NULL, buf, buf_len);
		}
		if (fake->status_code != 0) {
			return answer(rsp, fake->status_code, "shadow service failed", buf,
				      buf_len);
		}
		if (fake->desired_doc == NULL) {
			return answer(rsp, CODE(4, 4), "no shadow", buf, buf_len);
		}
		return serve((const uint8_t *)fake->desired_doc, fake->desired_len, block2,
			     fake->doc_max_szx, rsp, buf, buf_len);
	}

	if (strncmp(path, "update/", 7) == 0) {
		rest = path + 7;
		for (i = 0; i < 3; i++) {
			size_t n = strlen(item_names[i]);

			if (strncmp(rest, item_names[i], n) == 0 && rest[n] == '/') {
				break;
			}
		}
		if (i == 3) {
			return answer(rsp, CODE(4, 4), "unknown item", buf, buf_len);
		}
		switch (method) {
		case OTA_COAP_PUT:
			fake->items[i].puts++;
			fake->items[i].busy_left = fake->items[i].busy_polls;
			return answer(rsp, CODE(2, 4), NULL, buf, buf_len);
		case OTA_COAP_POST:
			return item_post(&fake->items[i], rsp, buf, buf_len);
		case OTA_COAP_GET:
			return item_get(&fake->items[i], block2, rsp, buf, buf_len);
		default:
			return answer(rsp, CODE(4, 5), NULL, buf, buf_len);
		}
	}

	return answer(rsp, CODE(4, 4), "unknown path", buf, buf_len);
}
