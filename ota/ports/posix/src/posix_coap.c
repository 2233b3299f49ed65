/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The gateway over UDP CoAP (docs/protocol.md): one confirmable request, its response.
 *
 * This is a small RFC 7252 client of its own rather than Debian's libcoap 3 (4.3.1), which was
 * tried first and works synchronously, but whose coap_session_set_ack_timeout() ignores any
 * ACK_TIMEOUT below one second: the port must take the short ones tests and the lab use (a
 * 40 ms timeout fails a request in under 2 s; libcoap's floor makes that 31 to 47 s).  libcoap
 * 4.3.1 also logs through one static buffer and holds three descriptors per context, which
 * 1000 devices in one process feel.  What this client does is little: encode one request
 * (Uri-Path, Content-Format, Block2, payload), retransmit it with RFC 7252's binary exponential
 * back-off, and take the piggybacked response or, after an empty ACK, the separate one
 * (acknowledging it).  Block-wise transfer is the core's: it asks for each block and gets the
 * Block2 and Size2 options of each response.
 *
 * Each instance owns one connected UDP socket, made on its first request, so all requests of a
 * device leave from one port as on the device (a server may key block-wise state by endpoint),
 * and an ICMP port unreachable comes back as ECONNREFUSED.  Message IDs, tokens and the random
 * part of the timeout come from a per-instance generator: instances share nothing.
 */

#define _GNU_SOURCE /* getrandom() */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "posix_internal.h"

#define COAP_VERSION 1u

#define COAP_TYPE_CON 0u
#define COAP_TYPE_NON 1u
#define COAP_TYPE_ACK 2u
#define COAP_TYPE_RST 3u

#define COAP_OPT_URI_PATH 11u
#define COAP_OPT_CONTENT_FORMAT 12u
#define COAP_OPT_BLOCK2 23u
#define COAP_OPT_SIZE2 28u

#define COAP_PAYLOAD_MARKER 0xFFu

/* RFC 7252 Content-Format of a JSON payload. */
#define CONTENT_FORMAT_JSON 50u

/* A request: header, token, the path's options and a payload of up to a block and some. */
#define COAP_REQUEST_MAX 1280u
/* A response: RFC 7252's largest datagram on a link without fragmentation, with room. */
#define COAP_DATAGRAM_MAX 1500u

struct coap_writer {
	uint8_t *buf;
	size_t len;
	size_t cap;
	uint16_t last_opt;
	bool overflow;
};

/* xorshift64*: enough for message IDs, tokens and jitter; seeded from getrandom(). */
static uint64_t coap_random(struct ota_posix *posix)
{
	uint64_t x = posix->coap_rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	posix->coap_rng = x;

	return x * 0x2545F4914F6CDD1Dull;
}

static int coap_seed(struct ota_posix *posix)
{
	uint64_t seed = 0;
	ssize_t n;

	do {
		n = getrandom(&seed, sizeof(seed), 0);
	} while (n < 0 && errno == EINTR);

	if (n != (ssize_t)sizeof(seed)) {
		return n < 0 ? -errno : -EIO;
	}

	posix->coap_rng = seed != 0 ? seed : 0x9E3779B97F4A7C15ull;
	posix->coap_mid = (uint16_t)coap_random(posix);
	return 0;
}

int posix_coap_init(struct ota_posix *posix, const char *host, uint16_t port)
{
	char literal[INET6_ADDRSTRLEN];
	size_t len = strlen(host);
	struct sockaddr_in *sin = (struct sockaddr_in *)&posix->gateway;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&posix->gateway;

	/* "[::1]" as in a URI is accepted as well as "::1". */
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}

	if (len >= sizeof(literal)) {
		LOG_ERR("Gateway address \"%s\" is not an IPv4 or IPv6 literal", host);
		return -EINVAL;
	}
	memcpy(literal, host, len);
	literal[len] = '\0';

	memset(&posix->gateway, 0, sizeof(posix->gateway));
	if (inet_pton(AF_INET, literal, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		posix->gateway_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, literal, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		posix->gateway_len = sizeof(*sin6);
	} else {
		LOG_ERR("Gateway address \"%s\" is not an IPv4 or IPv6 literal: give one such as "
			"127.0.0.1 or ::1",
			literal);
		return -EINVAL;
	}

	return coap_seed(posix);
}

static int coap_open(struct ota_posix *posix)
{
	int fd;

	fd = socket(posix->gateway.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}

	/* Connected: only the gateway's datagrams arrive, and ICMP errors are reported. */
	if (connect(fd, (const struct sockaddr *)&posix->gateway, posix->gateway_len) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}

	posix->coap_fd = fd;
	return 0;
}

void posix_coap_close(struct ota_posix *posix)
{
	if (posix->coap_fd >= 0) {
		close(posix->coap_fd);
		posix->coap_fd = -1;
	}
}

static void coap_put(struct coap_writer *w, const void *data, size_t len)
{
	if (len > w->cap - w->len) {
		w->overflow = true;
		return;
	}

	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

/* RFC 7252, 3.1: a nibble of 0-12, or 13 and one byte, or 14 and two bytes. */
static uint8_t coap_nibble(uint32_t val, uint8_t ext[2], size_t *ext_len)
{
	if (val < 13) {
		*ext_len = 0;
		return (uint8_t)val;
	}

	if (val < 269) {
		ext[0] = (uint8_t)(val - 13);
		*ext_len = 1;
		return 13;
	}

	ext[0] = (uint8_t)((val - 269) >> 8);
	ext[1] = (uint8_t)(val - 269);
	*ext_len = 2;
	return 14;
}

static void coap_put_option(struct coap_writer *w, uint16_t num, const void *val, size_t len)
{
	uint8_t delta_ext[2];
	uint8_t len_ext[2];
	size_t delta_ext_len;
	size_t len_ext_len;
	uint8_t head;

	head = (uint8_t)(coap_nibble(num - w->last_opt, delta_ext, &delta_ext_len) << 4);
	head |= coap_nibble((uint32_t)len, len_ext, &len_ext_len);
	w->last_opt = num;

	coap_put(w, &head, 1);
	coap_put(w, delta_ext, delta_ext_len);
	coap_put(w, len_ext, len_ext_len);
	coap_put(w, val, len);
}

/* An unsigned option value in as few bytes as it needs (0 in none). */
static void coap_put_uint_option(struct coap_writer *w, uint16_t num, uint32_t val)
{
	uint8_t bytes[4];
	size_t len = 0;

	for (int shift = 24; shift >= 0; shift -= 8) {
		if (len > 0 || (val >> shift) != 0) {
			bytes[len++] = (uint8_t)(val >> shift);
		}
	}

	coap_put_option(w, num, bytes, len);
}

static int coap_encode_request(struct coap_writer *w, uint8_t code, uint16_t mid,
			       const uint8_t *token, const char *path, const void *payload,
			       size_t payload_len, const struct ota_block2 *block2)
{
	uint8_t header[4] = {
		(uint8_t)(COAP_VERSION << 6 | COAP_TYPE_CON << 4 | COAP_TOKEN_LEN),
		code,
		(uint8_t)(mid >> 8),
		(uint8_t)mid,
	};

	coap_put(w, header, sizeof(header));
	coap_put(w, token, COAP_TOKEN_LEN);

	/* Options in ascending number: Uri-Path 11, Content-Format 12, Block2 23. */
	while (*path != '\0') {
		const char *end = strchr(path, '/');
		size_t len = end != NULL ? (size_t)(end - path) : strlen(path);

		if (len == 0 || len > 255 || (end != NULL && end[1] == '\0')) {
			return -EINVAL;
		}
		coap_put_option(w, COAP_OPT_URI_PATH, path, len);
		path += len + (end != NULL ? 1 : 0);
	}

	if (payload_len > 0) {
		coap_put_uint_option(w, COAP_OPT_CONTENT_FORMAT, CONTENT_FORMAT_JSON);
	}

	if (block2 != NULL) {
		if (block2->szx > 6 || block2->num >= (1u << 20)) {
			return -EINVAL;
		}
		/* A request's Block2 has More clear (RFC 7959, 2.2). */
		coap_put_uint_option(w, COAP_OPT_BLOCK2, block2->num << 4 | block2->szx);
	}

	if (payload_len > 0) {
		uint8_t marker = COAP_PAYLOAD_MARKER;

		coap_put(w, &marker, 1);
		coap_put(w, payload, payload_len);
	}

	return w->overflow ? -EMSGSIZE : 0;
}

/* Read a nibble's extension; false when the datagram ends first or the nibble is 15. */
static bool coap_ext(uint8_t nibble, const uint8_t **p, const uint8_t *end, uint32_t *val)
{
	if (nibble < 13) {
		*val = nibble;
		return true;
	}

	if (nibble == 13) {
		if (end - *p < 1) {
			return false;
		}
		*val = 13u + (*p)[0];
		*p += 1;
		return true;
	}

	if (nibble == 14) {
		if (end - *p < 2) {
			return false;
		}
		*val = 269u + ((uint32_t)(*p)[0] << 8 | (*p)[1]);
		*p += 2;
		return true;
	}

	return false;
}

static uint32_t coap_uint(const uint8_t *val, uint32_t len)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < len; i++) {
		v = v << 8 | val[i];
	}

	return v;
}

int posix_coap_decode(const uint8_t *buf, size_t len, struct posix_coap_msg *msg)
{
	const uint8_t *p = buf + 4;
	const uint8_t *end = buf + len;
	uint32_t opt = 0;

	memset(msg, 0, sizeof(*msg));

	if (len < 4 || buf[0] >> 6 != COAP_VERSION || (buf[0] & 0x0F) > COAP_TOKEN_LEN) {
		return -EBADMSG;
	}

	msg->type = (buf[0] >> 4) & 0x03;
	msg->token_len = buf[0] & 0x0F;
	msg->code = buf[1];
	msg->mid = (uint16_t)(buf[2] << 8 | buf[3]);

	if ((size_t)(end - p) < msg->token_len) {
		return -EBADMSG;
	}
	memcpy(msg->token, p, msg->token_len);
	p += msg->token_len;

	while (p < end && *p != COAP_PAYLOAD_MARKER) {
		uint8_t head = *p++;
		uint32_t delta;
		uint32_t opt_len;

		if (!coap_ext(head >> 4, &p, end, &delta) ||
		    !coap_ext(head & 0x0F, &p, end, &opt_len) || (uint32_t)(end - p) < opt_len) {
			return -EBADMSG;
		}
		opt += delta;

		if (opt == COAP_OPT_BLOCK2 && opt_len <= 3) {
			msg->has_block2 = true;
			msg->block2 = coap_uint(p, opt_len);
		} else if (opt == COAP_OPT_SIZE2 && opt_len <= 4) {
			msg->has_size2 = true;
			msg->size2 = coap_uint(p, opt_len);
		}
		p += opt_len;
	}

	if (p < end) {
		/* The marker: a payload must follow it. */
		p++;
		if (p == end) {
			return -EBADMSG;
		}
		msg->payload = p;
		msg->payload_len = (size_t)(end - p);
	}

	return 0;
}

/* An empty ACK or RST for @p mid. */
static void coap_send_empty(struct ota_posix *posix, uint8_t type, uint16_t mid)
{
	uint8_t msg[4] = {
		(uint8_t)(COAP_VERSION << 6 | type << 4),
		0,
		(uint8_t)(mid >> 8),
		(uint8_t)mid,
	};

	/* Best effort: a lost ACK makes the gateway send its response again. */
	(void)send(posix->coap_fd, msg, sizeof(msg), MSG_NOSIGNAL);
}

static int64_t coap_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Wait until @p until for one datagram; 0 when none came, its length, or -errno. */
static ssize_t coap_receive(struct ota_posix *posix, int64_t until, uint8_t *buf, size_t len)
{
	struct pollfd pfd = { .fd = posix->coap_fd, .events = POLLIN };
	int64_t left = until - coap_now_ms();
	ssize_t n;
	int ret;

	if (left <= 0) {
		return 0;
	}

	ret = poll(&pfd, 1, (int)left);
	if (ret < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	if (ret == 0) {
		return 0;
	}

	n = recv(posix->coap_fd, buf, len, MSG_DONTWAIT);
	if (n < 0) {
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	}

	return n;
}

struct coap_exchange {
	uint16_t mid;
	uint8_t token[COAP_TOKEN_LEN];
	/* The gateway acknowledged the request with an empty ACK: its response comes apart. */
	bool acked;
	struct ota_coap_response *rsp;
	void *buf;
	size_t buf_len;
};

static int coap_take_response(struct coap_exchange *ex, const struct posix_coap_msg *msg)
{
	struct ota_coap_response *rsp = ex->rsp;

	memset(rsp, 0, sizeof(*rsp));
	rsp->code = msg->code;
	rsp->has_block2 = msg->has_block2;
	rsp->block2.num = msg->block2 >> 4;
	rsp->block2.more = (msg->block2 & 0x08u) != 0;
	rsp->block2.szx = (uint8_t)(msg->block2 & 0x07u);
	rsp->has_size2 = msg->has_size2;
	rsp->size2 = msg->size2;

	if (msg->payload_len > ex->buf_len) {
		LOG_WRN("Response %d.%02d carries %zu bytes, more than the %zu-byte buffer",
			msg->code >> 5, msg->code & 0x1F, msg->payload_len, ex->buf_len);
		return -EMSGSIZE;
	}

	if (msg->payload_len > 0) {
		memcpy(ex->buf, msg->payload, msg->payload_len);
	}
	rsp->payload_len = msg->payload_len;

	return 0;
}

/*
 * Handle one datagram: 1 when it ends the exchange (with *result set), else 0 (not ours, a
 * duplicate, or the empty ACK of a separate response).
 */
static int coap_handle(struct ota_posix *posix, struct coap_exchange *ex, const uint8_t *buf,
		       size_t len, int *result)
{
	struct posix_coap_msg msg;
	bool ours;

	if (posix_coap_decode(buf, len, &msg) < 0) {
		LOG_DBG("Dropped a malformed datagram of %zu bytes", len);
		return 0;
	}

	ours = msg.token_len == COAP_TOKEN_LEN && memcmp(msg.token, ex->token, COAP_TOKEN_LEN) == 0;

	switch (msg.type) {
	case COAP_TYPE_ACK:
		if (msg.mid != ex->mid) {
			return 0;
		}
		if (msg.code == 0) {
			ex->acked = true;
			return 0;
		}
		if (!ours) {
			return 0;
		}
		*result = coap_take_response(ex, &msg);
		return 1;
	case COAP_TYPE_RST:
		if (msg.mid != ex->mid) {
			return 0;
		}
		*result = -ECONNRESET;
		return 1;
	default:
		/* A separate response (CON or NON), or a request the device does not serve. */
		if (msg.code >> 5 < 2 || !ours) {
			if (msg.type == COAP_TYPE_CON) {
				coap_send_empty(posix, COAP_TYPE_RST, msg.mid);
			}
			return 0;
		}
		if (msg.type == COAP_TYPE_CON) {
			coap_send_empty(posix, COAP_TYPE_ACK, msg.mid);
		}
		*result = coap_take_response(ex, &msg);
		return 1;
	}
}

static int coap_exchange_run(struct ota_posix *posix, struct coap_exchange *ex, const uint8_t *req,
			     size_t req_len)
{
	uint8_t buf[COAP_DATAGRAM_MAX];
	int64_t timeout;
	int64_t deadline;
	int64_t next_send;
	unsigned int sent = 0;
	int result = 0;

	/* RFC 7252, 4.2: the first timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT * 1.5). */
	timeout = posix->ack_timeout_ms;
	timeout += (int64_t)(coap_random(posix) % (posix->ack_timeout_ms / 2 + 1));

	/*
	 * MAX_TRANSMIT_WAIT after the first send ends the wait for a separate response that never
	 * follows its empty ACK, as it ends the retransmissions.
	 */
	deadline = coap_now_ms() +
		   (int64_t)posix->ack_timeout_ms * ((2 << OTA_POSIX_MAX_RETRANSMIT) - 1) * 3 / 2;
	next_send = coap_now_ms();

	for (;;) {
		int64_t now = coap_now_ms();
		ssize_t n;

		if (!ex->acked && now >= next_send) {
			if (sent > OTA_POSIX_MAX_RETRANSMIT) {
				return -ETIMEDOUT;
			}
			if (send(posix->coap_fd, req, req_len, MSG_NOSIGNAL) < 0) {
				return -errno;
			}
			if (sent > 0) {
				LOG_DBG("Retransmission %u of message 0x%04x", sent, ex->mid);
			}
			sent++;
			next_send = now + timeout;
			timeout *= 2;
		}

		if (now >= deadline) {
			return -ETIMEDOUT;
		}

		n = coap_receive(posix, ex->acked || next_send > deadline ? deadline : next_send,
				 buf, sizeof(buf));
		if (n < 0) {
			/* ECONNREFUSED: an ICMP port unreachable, nothing listens there. */
			return (int)n;
		}
		if (n > 0 && coap_handle(posix, ex, buf, (size_t)n, &result) == 1) {
			return result;
		}
	}
}

int posix_gateway_request(void *ctx, enum ota_coap_method method, const char *path,
			  const void *payload, size_t payload_len, const struct ota_block2 *block2,
			  struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	static const char *const names[] = { "?", "GET", "POST", "PUT", "DELETE" };
	struct ota_posix *posix = ctx;
	uint8_t req[COAP_REQUEST_MAX];
	struct coap_writer w = { .buf = req, .cap = sizeof(req) };
	struct coap_exchange ex = { .rsp = rsp, .buf = buf, .buf_len = buf_len };
	uint64_t token;
	int ret;

	if (method < OTA_COAP_GET || method > OTA_COAP_DELETE || path == NULL || path[0] == '\0' ||
	    path[0] == '/' || (payload_len > 0 && payload == NULL) ||
	    (buf_len > 0 && buf == NULL)) {
		return -EINVAL;
	}

	pthread_mutex_lock(&posix->coap_lock);

	ex.mid = ++posix->coap_mid;
	token = coap_random(posix);
	memcpy(ex.token, &token, sizeof(ex.token));

	ret = coap_encode_request(&w, (uint8_t)method, ex.mid, ex.token, path, payload, payload_len,
				  block2);
	if (ret == 0 && posix->coap_fd < 0) {
		ret = coap_open(posix);
	}
	if (ret == 0) {
		ret = coap_exchange_run(posix, &ex, req, w.len);
	}

	pthread_mutex_unlock(&posix->coap_lock);

	if (ret < 0 && ret != -EMSGSIZE) {
		LOG_DBG("%s %s: no response (%d)", names[method], path, ret);
		return ret;
	}

	LOG_DBG("%s %s block %d: %d.%02d, %zu bytes%s", names[method], path,
		block2 != NULL ? (int)block2->num : -1, rsp->code >> 5, rsp->code & 0x1F,
		rsp->payload_len, rsp->has_block2 && rsp->block2.more ? ", more" : "");
	return ret;
}
