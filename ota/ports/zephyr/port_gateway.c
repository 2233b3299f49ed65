/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * One confirmable CoAP request to the gateway and its response (docs/protocol.md,
 * "Transport"), over a UDP socket with Zephyr's CoAP message library.  Retransmission is
 * RFC 7252's: ACK_TIMEOUT drawn from [T, 1.5 T), doubled on each of MAX_RETRANSMIT resends.
 * The response may come piggybacked on the ACK or separately after an empty ACK; it is
 * matched by token, and MAX_TRANSMIT_WAIT after the first send ends the exchange either way.
 */

#include <errno.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/coap.h>
#include <zephyr/net/socket.h>
#include <zephyr/random/rand32.h>

#include "port_priv.h"

LOG_MODULE_DECLARE(ota_zephyr, CONFIG_DEGU_OTA_LOG_LEVEL);

/* Room for the header, the token and the options (path, Content-Format, Block2). */
#define COAP_OVERHEAD 128
/* IPv6 minimum MTU: no datagram from the gateway over Thread is larger. */
#define RX_BUF_SIZE 1280

#define COAP_FORMAT_JSON 50

/*
 * RFC 7252's MAX_TRANSMIT_WAIT, ACK_TIMEOUT * (2 ** (MAX_RETRANSMIT + 1) - 1) * 1.5: the end
 * of the retransmissions and of the wait for a separate response (docs/protocol.md).
 */
#define TRANSMIT_WAIT_MS                                                                   \
	((int64_t)CONFIG_DEGU_OTA_COAP_ACK_TIMEOUT_MS *                                      \
	 ((2 << CONFIG_DEGU_OTA_COAP_MAX_RETRANSMIT) - 1) * 3 / 2)

struct exchange {
	uint16_t id;
	uint8_t token[COAP_TOKEN_MAX_LEN];
	uint8_t token_len;
	/* The gateway sent an empty ACK: the response follows separately. */
	bool acked;
};

static uint8_t tx_buf[CONFIG_DEGU_OTA_DOC_MAX + COAP_OVERHEAD];
static uint8_t rx_buf[RX_BUF_SIZE];
static int sock = -1;
static K_MUTEX_DEFINE(gateway_lock);

static int socket_get(void)
{
	if (sock >= 0) {
		return sock;
	}

	sock = zsock_socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	if (sock < 0) {
		return -errno;
	}

	return sock;
}

static int append_path(struct coap_packet *pkt, const char *path)
{
	while (*path != '\0') {
		const char *end = strchr(path, '/');
		size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
		int ret;

		ret = coap_packet_append_option(pkt, COAP_OPTION_URI_PATH, (const uint8_t *)path,
						(uint16_t)len);
		if (ret < 0) {
			return ret;
		}

		path += len;
		if (*path == '/') {
			path++;
		}
	}

	return 0;
}

static int request_build(struct coap_packet *pkt, struct exchange *ex,
			 enum ota_coap_method method, const char *path, const void *payload,
			 size_t payload_len, const struct ota_block2 *block2)
{
	int ret;

	if (payload_len > sizeof(tx_buf) - COAP_OVERHEAD) {
		return -EMSGSIZE;
	}

	ex->id = coap_next_id();
	ex->token_len = COAP_TOKEN_MAX_LEN;
	memcpy(ex->token, coap_next_token(), COAP_TOKEN_MAX_LEN);
	ex->acked = false;

	ret = coap_packet_init(pkt, tx_buf, sizeof(tx_buf), COAP_VERSION_1, COAP_TYPE_CON,
			       ex->token_len, ex->token, (uint8_t)method, ex->id);
	if (ret < 0) {
		return ret;
	}

	/* Options go in ascending number: Uri-Path 11, Content-Format 12, Block2 23. */
	ret = append_path(pkt, path);
	if (ret < 0) {
		return ret;
	}

	if (payload_len > 0) {
		ret = coap_append_option_int(pkt, COAP_OPTION_CONTENT_FORMAT, COAP_FORMAT_JSON);
		if (ret < 0) {
			return ret;
		}
	}

	if (block2 != NULL) {
		/* A request's Block2 carries num and szx; its More bit is always 0. */
		ret = coap_append_option_int(pkt, COAP_OPTION_BLOCK2,
					     (block2->num << 4) | (block2->szx & 0x7));
		if (ret < 0) {
			return ret;
		}
	}

	if (payload_len > 0) {
		ret = coap_packet_append_payload_marker(pkt);
		if (ret < 0) {
			return ret;
		}

		ret = coap_packet_append_payload(pkt, payload, (uint16_t)payload_len);
		if (ret < 0) {
			return ret;
		}
	}

	return 0;
}

static int send_to(int s, const void *data, size_t len, const struct sockaddr_in6 *gw)
{
	if (zsock_sendto(s, data, len, 0, (const struct sockaddr *)gw, sizeof(*gw)) < 0) {
		return -errno;
	}

	return 0;
}

/* An empty ACK (a separate response taken) or Reset (a message refused). */
static int send_empty(int s, enum coap_msgtype type, uint16_t id, const struct sockaddr_in6 *gw)
{
	uint8_t msg[4];
	struct coap_packet pkt;
	int ret;

	ret = coap_packet_init(&pkt, msg, sizeof(msg), COAP_VERSION_1, type, 0, NULL,
			       COAP_CODE_EMPTY, id);
	if (ret < 0) {
		return ret;
	}

	return send_to(s, pkt.data, pkt.offset, gw);
}

static bool from_gateway(const struct sockaddr_in6 *from, const struct sockaddr_in6 *gw)
{
	return from->sin6_port == gw->sin6_port &&
	       memcmp(&from->sin6_addr, &gw->sin6_addr, sizeof(gw->sin6_addr)) == 0;
}

/*
 * The code byte as sent.  coap_header_get_code() of this Zephyr turns every code it has no
 * name for (4.29, a new 5.xx) into 0.00, which would read as an empty ACK here.
 */
static uint8_t code_of(const struct coap_packet *pkt)
{
	return pkt->data[1];
}

static int response_fill(const struct coap_packet *pkt, struct ota_coap_response *rsp,
			 void *buf, size_t buf_len)
{
	const uint8_t *payload;
	uint16_t payload_len = 0;
	int opt;

	memset(rsp, 0, sizeof(*rsp));
	rsp->code = code_of(pkt);

	payload = coap_packet_get_payload(pkt, &payload_len);
	if (payload_len > buf_len) {
		return -EMSGSIZE;
	}
	if (payload_len > 0) {
		memcpy(buf, payload, payload_len);
	}
	rsp->payload_len = payload_len;

	/* A Block2 or Size2 value over INT_MAX comes back negative and counts as absent. */
	opt = coap_get_option_int(pkt, COAP_OPTION_BLOCK2);
	if (opt >= 0) {
		rsp->has_block2 = true;
		rsp->block2.num = (uint32_t)opt >> 4;
		rsp->block2.more = (opt & 0x8) != 0;
		rsp->block2.szx = (uint8_t)(opt & 0x7);
	}

	opt = coap_get_option_int(pkt, COAP_OPTION_SIZE2);
	if (opt >= 0) {
		rsp->has_size2 = true;
		rsp->size2 = (uint32_t)opt;
	}

	return 0;
}

/*
 * Wait until end (uptime in ms) for the datagram that answers ex; an empty ACK moves the wait
 * to deadline, the end of the whole exchange.  Returns 1 with the response in rsp, 0 when
 * nothing usable came in time (the caller retransmits), or -ECONNRESET when the gateway
 * rejected the request with a Reset.
 */
static int response_wait(int s, struct exchange *ex, const struct sockaddr_in6 *gw,
			 int64_t end, int64_t deadline, struct ota_coap_response *rsp,
			 void *buf, size_t buf_len)
{
	for (;;) {
		struct zsock_pollfd pfd = {.fd = s, .events = ZSOCK_POLLIN};
		struct sockaddr_in6 from;
		socklen_t from_len = sizeof(from);
		struct coap_packet pkt;
		uint8_t token[COAP_TOKEN_MAX_LEN];
		uint8_t type;
		bool ours;
		int64_t left = end - k_uptime_get();
		ssize_t n;
		int ret;

		if (left <= 0) {
			return 0;
		}

		ret = zsock_poll(&pfd, 1, (int)left);
		if (ret < 0) {
			return -errno;
		}
		if (ret == 0) {
			return 0;
		}

		n = zsock_recvfrom(s, rx_buf, sizeof(rx_buf), 0, (struct sockaddr *)&from,
				   &from_len);
		if (n < 0) {
			return -errno;
		}
		if (!from_gateway(&from, gw)) {
			continue;
		}

		ret = coap_packet_parse(&pkt, rx_buf, (uint16_t)n, NULL, 0);
		if (ret < 0) {
			LOG_DBG("Dropped a malformed datagram from the gateway (%d)", ret);
			continue;
		}

		type = coap_header_get_type(&pkt);
		ours = coap_header_get_token(&pkt, token) == ex->token_len &&
		       memcmp(token, ex->token, ex->token_len) == 0;

		if (type == COAP_TYPE_ACK || type == COAP_TYPE_RESET) {
			if (coap_header_get_id(&pkt) != ex->id) {
				continue;
			}
			if (type == COAP_TYPE_RESET) {
				return -ECONNRESET;
			}
			if (code_of(&pkt) == COAP_CODE_EMPTY) {
				/* The response comes separately, within the exchange's lifetime. */
				ex->acked = true;
				end = deadline;
				continue;
			}
			if (!ours) {
				continue;
			}
		} else if ((code_of(&pkt) >> 5) < 2 || !ours) {
			/*
			 * A request, or the repeat of a separate response to an earlier exchange
			 * whose ACK was lost: a Reset stops its retransmissions (RFC 7252, 4.2).
			 */
			if (type == COAP_TYPE_CON) {
				(void)send_empty(s, COAP_TYPE_RESET, coap_header_get_id(&pkt), gw);
			}
			continue;
		} else if (type == COAP_TYPE_CON) {
			ret = send_empty(s, COAP_TYPE_ACK, coap_header_get_id(&pkt), gw);
			if (ret < 0) {
				LOG_WRN("Could not acknowledge the gateway's response (%d)", ret);
			}
		}

		ret = response_fill(&pkt, rsp, buf, buf_len);
		if (ret < 0) {
			return ret;
		}

		LOG_DBG("Response %u.%02u, %zu bytes", rsp->code >> 5, rsp->code & 0x1f,
			rsp->payload_len);

		return 1;
	}
}

static const char *method_name(enum ota_coap_method method)
{
	switch (method) {
	case OTA_COAP_GET:
		return "GET";
	case OTA_COAP_POST:
		return "POST";
	case OTA_COAP_PUT:
		return "PUT";
	case OTA_COAP_DELETE:
		return "DELETE";
	default:
		return "?";
	}
}

static int exchange_run(int s, enum ota_coap_method method, const char *path,
			const void *payload, size_t payload_len, const struct ota_block2 *block2,
			struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	struct sockaddr_in6 gw;
	struct coap_packet pkt;
	struct exchange ex;
	int64_t timeout;
	int64_t deadline;
	int ret;

	ret = ota_zephyr_gateway_addr(&gw);
	if (ret < 0) {
		return ret;
	}

	ret = request_build(&pkt, &ex, method, path, payload, payload_len, block2);
	if (ret < 0) {
		return ret;
	}

	/* ACK_TIMEOUT * [1, ACK_RANDOM_FACTOR = 1.5) */
	timeout = CONFIG_DEGU_OTA_COAP_ACK_TIMEOUT_MS +
		  sys_rand32_get() % (CONFIG_DEGU_OTA_COAP_ACK_TIMEOUT_MS / 2 + 1);
	deadline = k_uptime_get() + TRANSMIT_WAIT_MS;

	for (int attempt = 0; attempt <= CONFIG_DEGU_OTA_COAP_MAX_RETRANSMIT; attempt++) {
		LOG_DBG("%s %s (%zu bytes), attempt %d", method_name(method), path, payload_len,
			attempt + 1);

		ret = send_to(s, pkt.data, pkt.offset, &gw);
		if (ret < 0) {
			return ret;
		}

		ret = response_wait(s, &ex, &gw, MIN(k_uptime_get() + timeout, deadline),
				    deadline, rsp, buf, buf_len);
		if (ret != 0) {
			return ret < 0 ? ret : 0;
		}

		/* An acknowledged request is not resent; its response never came. */
		if (ex.acked) {
			break;
		}
		timeout *= 2;
	}

	return -ETIMEDOUT;
}

int ota_zephyr_gateway_request(void *ctx, enum ota_coap_method method, const char *path,
			       const void *payload, size_t payload_len,
			       const struct ota_block2 *block2, struct ota_coap_response *rsp,
			       void *buf, size_t buf_len)
{
	int s;
	int ret;

	ARG_UNUSED(ctx);

	k_mutex_lock(&gateway_lock, K_FOREVER);

	s = socket_get();
	if (s < 0) {
		ret = s;
		goto out;
	}

	ret = exchange_run(s, method, path, payload, payload_len, block2, rsp, buf, buf_len);

out:
	k_mutex_unlock(&gateway_lock);

	return ret;
}
