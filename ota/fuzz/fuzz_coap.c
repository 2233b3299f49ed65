/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * libFuzzer target: the POSIX port's CoAP datagram decoder (posix_coap_decode()), which reads
 * whatever arrives on the device's UDP socket.  Besides the sanitizers, every run checks that
 * an accepted datagram's token and payload lie inside it and that the fields hold the
 * datagram's own header bytes.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "posix_internal.h"

static void check(int cond)
{
	if (!cond) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct posix_coap_msg msg;
	int ret;

	ret = posix_coap_decode(data, size, &msg);
	if (ret < 0) {
		check(ret == -EBADMSG);
		return 0;
	}

	check(ret == 0 && size >= 4);
	check(data[0] >> 6 == 1);
	check(msg.type == ((data[0] >> 4) & 3) && msg.code == data[1]);
	check(msg.mid == (uint16_t)(data[2] << 8 | data[3]));
	check(msg.token_len == (size_t)(data[0] & 0x0F) && msg.token_len <= 8);
	check(4 + msg.token_len <= size);
	check(memcmp(msg.token, data + 4, msg.token_len) == 0);
	if (msg.payload != NULL) {
		/* After the 0xFF marker, to the end of the datagram, never empty. */
		check(msg.payload > data + 4 + msg.token_len && msg.payload[-1] == 0xFF);
		check(msg.payload_len > 0 && msg.payload + msg.payload_len == data + size);
	} else {
		check(msg.payload_len == 0);
	}
	check(!msg.has_block2 || msg.block2 < (1u << 24));

	return 0;
}
