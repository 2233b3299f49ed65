/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * libFuzzer target: Block2 reassembly (ota_fetch()) over a gateway whose responses come from
 * the input.
 *
 * Input: one byte choosing the size cap (bits 0-1) and whether the sink fails on its second
 * call, as a full flash or volume does (bit 2); then records of 12 bytes, each followed by
 * its payload:
 *
 *   0      what the port returns: bits 0-2 = 6 -ETIMEDOUT, 7 -EMSGSIZE, else a response;
 *          bit 4: code from byte 1 (else 2.05)
 *   1      code
 *   2      bit 0 Block2, bit 1 More, bit 2 Size2, bit 3 answer the asked offset (the block
 *          number follows from the asked offset and the response's szx)
 *   3-4    block number (little endian)
 *   5      szx (all 8 values, 7 is reserved)
 *   6-9    Size2 (little endian)
 *   10-11  payload length (little endian), cut to what the input still holds
 *
 * When the input runs out the gateway stops answering.  Besides the sanitizers, every run
 * checks: each request asks for the offset reached so far with szx 0..6; the sink gets every
 * accepted payload unchanged, at contiguous offsets; the count reported is the count handed
 * to the sink and within the cap; a sink's error is passed up unchanged; a transfer that
 * succeeds ends on a block without More and, when a Size2 was announced, holds exactly that
 * many bytes.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ota_log_stderr.h"
#include "ota_priv.h"

struct feed {
	const uint8_t *data;
	size_t left;
	/* The payload of the last response, to compare with what reaches the sink. */
	const uint8_t *payload;
	size_t payload_len;
	/* Bytes the sink took so far. */
	uint32_t sunk;
	uint32_t size2;
	bool has_size2;
	bool last_more;
	bool sink_fails;
	int sink_calls;
};

static struct ota ota;
static struct feed feed;

static void check(int cond)
{
	if (!cond) {
		abort();
	}
}

static uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;

	for (int i = n - 1; i >= 0; i--) {
		v = v << 8 | p[i];
	}

	return v;
}

static int fuzz_gateway(void *ctx, enum ota_coap_method method, const char *path,
			const void *payload, size_t payload_len, const struct ota_block2 *block2,
			struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	struct feed *f = ctx;
	const uint8_t *r;
	size_t len;

	(void)payload;

	check(method == OTA_COAP_GET && payload_len == 0 && block2 != NULL);
	check(strcmp(path, "update/script_user/0123456789abcdef") == 0);
	check(block2->szx <= 6 && !block2->more);
	check(((uint64_t)block2->num << (block2->szx + 4)) == f->sunk);

	if (f->left < 12) {
		f->left = 0;
		return -ETIMEDOUT;
	}
	r = f->data;
	f->data += 12;
	f->left -= 12;

	if ((r[0] & 7) == 6) {
		return -ETIMEDOUT;
	}
	if ((r[0] & 7) == 7) {
		return -EMSGSIZE;
	}

	len = le(r + 10, 2);
	if (len > f->left) {
		len = f->left;
	}
	if (len > buf_len) {
		/* What a port does with a payload larger than the buffer. */
		f->data += len;
		f->left -= len;
		return -EMSGSIZE;
	}

	memset(rsp, 0, sizeof(*rsp));
	rsp->code = (r[0] & 0x10) ? r[1] : OTA_COAP_CODE(2, 5);
	rsp->has_block2 = r[2] & 1;
	rsp->block2.more = (r[2] & 2) != 0;
	rsp->block2.szx = r[5] & 7;
	rsp->block2.num = le(r + 3, 2);
	if ((r[2] & 8) && rsp->block2.szx < 7) {
		rsp->block2.num = f->sunk >> (rsp->block2.szx + 4);
	}
	rsp->has_size2 = (r[2] & 4) != 0;
	rsp->size2 = le(r + 6, 4);
	rsp->payload_len = len;
	memcpy(buf, f->data, len);

	f->payload = f->data;
	f->payload_len = len;
	f->last_more = rsp->has_block2 && rsp->block2.more;
	if (rsp->has_size2) {
		f->has_size2 = true;
		f->size2 = rsp->size2;
	}
	f->data += len;
	f->left -= len;
	return 0;
}

static int fuzz_sink(void *ctx, uint32_t offset, const uint8_t *data, size_t len, uint32_t total)
{
	struct feed *f = ctx;

	check(offset == f->sunk);
	check(len > 0 && len == f->payload_len && memcmp(data, f->payload, len) == 0);
	check(total == (f->has_size2 ? f->size2 : 0));
	if (f->sink_fails && ++f->sink_calls == 2) {
		return -ENOSPC;
	}
	f->sunk += (uint32_t)len;

	return 0;
}

static const struct ota_port port = {
	.ctx = &feed,
	.gateway_request = fuzz_gateway,
};

/* The core's warnings on refused input would slow the run a hundredfold. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ota_log_stderr_set_level(0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t caps[] = { 12288, 450560, 100, 1024 };
	uint32_t received = 0xFFFFFFFFu;
	uint32_t cap;
	int ret;

	if (size == 0) {
		return 0;
	}

	cap = caps[data[0] & 3];
	memset(&feed, 0, sizeof(feed));
	feed.data = data + 1;
	feed.left = size - 1;
	feed.sink_fails = (data[0] & 4) != 0;

	memset(&ota, 0, sizeof(ota));
	ota.port = &port;
	memcpy(ota.eui64, "0123456789abcdef", 17);
	ota_gw_path(&ota, "update/", "script_user");

	ret = ota_fetch(&ota, cap, "oversize", fuzz_sink, &feed, &received);

	check(received == feed.sunk);
	check(received <= cap);
	if (ret == 0) {
		check(!feed.last_more);
		check(!feed.has_size2 || received == feed.size2);
	} else if (feed.sink_fails && feed.sink_calls == 2) {
		check(ret == -ENOSPC);
	} else {
		check(ret < 0 && ota.reason[0] != '\0');
	}

	return 0;
}
