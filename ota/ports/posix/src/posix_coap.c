/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The gateway over UDP CoAP (docs/protocol.md), with Debian's libcoap 3 used synchronously.
 *
 * Each port instance owns one libcoap context with one client session, made on its first
 * request and used under the instance's lock, so requests of a device leave from one UDP port
 * as they do on the device (a server may key block-wise state by endpoint).  libcoap 4.3.1 is
 * not thread-safe within a context, but separate contexts in separate threads are fine (its
 * maintainers' word, obgm/libcoap#567).  libcoap's own log writes through one static buffer,
 * so it is silenced once for the process; this file logs what matters itself.  After a failed
 * exchange the context is dropped and the next request starts a fresh one.
 *
 * libcoap's block-wise handling stays off (the default block mode): the core asks for each
 * block, and this file only adds the Block2 option and reports the one in the response.
 * libcoap matches the response to the request by token (piggybacked or separate, acknowledging
 * a separate one) and retransmits with ACK_TIMEOUT from the configuration, ACK_RANDOM_FACTOR
 * 1.5 and MAX_RETRANSMIT 4.
 */

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <coap3/coap.h>

/* libcoap brings syslog's LOG_ERR; from here on it is the port's (posix_log.h). */
#undef LOG_ERR

#include "posix_internal.h"

/* RFC 7252 Content-Format of a JSON payload. */
#define CONTENT_FORMAT_JSON 50u

struct coap_exchange {
	/* The request's token, to tell its response from any other datagram. */
	uint8_t token[8];
	size_t token_len;

	struct ota_coap_response *rsp;
	uint8_t *buf;
	size_t buf_len;

	/* 0 while waiting, 1 when the response is in, else a negative errno. */
	int result;
};

static pthread_once_t coap_once = PTHREAD_ONCE_INIT;

static void coap_process_init(void)
{
	coap_startup();
	coap_set_log_level(LOG_EMERG);
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

	pthread_once(&coap_once, coap_process_init);
	return 0;
}

static void coap_read_block2(const coap_pdu_t *pdu, struct ota_coap_response *rsp)
{
	coap_opt_iterator_t iter;
	coap_opt_t *opt;
	uint32_t val;

	opt = coap_check_option(pdu, COAP_OPTION_BLOCK2, &iter);
	if (opt != NULL && coap_opt_length(opt) <= 3) {
		val = coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
		rsp->has_block2 = true;
		rsp->block2.num = val >> 4;
		rsp->block2.more = (val & 0x08u) != 0;
		rsp->block2.szx = (uint8_t)(val & 0x07u);
	}

	opt = coap_check_option(pdu, COAP_OPTION_SIZE2, &iter);
	if (opt != NULL && coap_opt_length(opt) <= 4) {
		rsp->has_size2 = true;
		rsp->size2 = coap_decode_var_bytes(coap_opt_value(opt), coap_opt_length(opt));
	}
}

static coap_response_t coap_on_response(coap_session_t *session, const coap_pdu_t *sent,
					const coap_pdu_t *received, const coap_mid_t mid)
{
	struct coap_exchange *ex = coap_session_get_app_data(session);
	coap_bin_const_t token = coap_pdu_get_token(received);
	const uint8_t *data;
	size_t len;

	(void)sent;
	(void)mid;

	if (ex == NULL || ex->result != 0 || token.length != ex->token_len ||
	    memcmp(token.s, ex->token, ex->token_len) != 0) {
		/* Not ours (or a duplicate): libcoap rejects it with a Reset. */
		return COAP_RESPONSE_FAIL;
	}

	memset(ex->rsp, 0, sizeof(*ex->rsp));
	ex->rsp->code = (uint8_t)coap_pdu_get_code(received);
	coap_read_block2(received, ex->rsp);

	if (!coap_get_data(received, &len, &data)) {
		len = 0;
	}

	if (len > ex->buf_len) {
		LOG_WRN("Response %d.%02d carries %zu bytes, more than the %zu-byte buffer",
			ex->rsp->code >> 5, ex->rsp->code & 0x1f, len, ex->buf_len);
		ex->result = -EMSGSIZE;
		return COAP_RESPONSE_OK;
	}

	if (len > 0) {
		memcpy(ex->buf, data, len);
	}
	ex->rsp->payload_len = len;
	ex->result = 1;
	return COAP_RESPONSE_OK;
}

static void coap_on_nack(coap_session_t *session, const coap_pdu_t *sent,
			 const coap_nack_reason_t reason, const coap_mid_t mid)
{
	struct coap_exchange *ex = coap_session_get_app_data(session);

	(void)sent;
	(void)mid;

	if (ex == NULL || ex->result != 0) {
		return;
	}

	switch (reason) {
	case COAP_NACK_TOO_MANY_RETRIES:
		ex->result = -ETIMEDOUT;
		break;
	case COAP_NACK_RST:
		ex->result = -ECONNRESET;
		break;
	case COAP_NACK_ICMP_ISSUE:
		/* Port unreachable: nothing listens at the gateway's address. */
		ex->result = -ECONNREFUSED;
		break;
	default:
		ex->result = -EIO;
		break;
	}
}

static int coap_add_path(coap_pdu_t *pdu, const char *path)
{
	while (*path != '\0') {
		const char *end = strchr(path, '/');
		size_t len = end != NULL ? (size_t)(end - path) : strlen(path);

		if (len == 0) {
			return -EINVAL;
		}

		if (!coap_add_option(pdu, COAP_OPTION_URI_PATH, len, (const uint8_t *)path)) {
			return -EMSGSIZE;
		}

		path += len;
		if (*path == '/') {
			path++;
			if (*path == '\0') {
				return -EINVAL;
			}
		}
	}

	return 0;
}

static coap_pdu_t *coap_build_request(coap_session_t *session, struct coap_exchange *ex,
				      enum ota_coap_method method, const char *path,
				      const void *payload, size_t payload_len,
				      const struct ota_block2 *block2, int *err)
{
	uint8_t opt[4];
	coap_pdu_t *pdu;
	size_t opt_len;

	pdu = coap_pdu_init(COAP_MESSAGE_CON, (coap_pdu_code_t)method,
			    coap_new_message_id(session), coap_session_max_pdu_size(session));
	if (pdu == NULL) {
		*err = -ENOMEM;
		return NULL;
	}

	coap_session_new_token(session, &ex->token_len, ex->token);
	if (!coap_add_token(pdu, ex->token_len, ex->token)) {
		*err = -ENOMEM;
		goto fail;
	}

	/* Options go in ascending number: Uri-Path 11, Content-Format 12, Block2 23. */
	*err = coap_add_path(pdu, path);
	if (*err < 0) {
		goto fail;
	}

	if (payload_len > 0) {
		opt_len = coap_encode_var_safe(opt, sizeof(opt), CONTENT_FORMAT_JSON);
		if (!coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT, opt_len, opt)) {
			*err = -EMSGSIZE;
			goto fail;
		}
	}

	if (block2 != NULL) {
		opt_len = coap_encode_var_safe(opt, sizeof(opt),
					       (block2->num << 4) | (block2->szx & 0x07u));
		if (block2->szx > 6 || block2->num >= (1u << 20) ||
		    !coap_add_option(pdu, COAP_OPTION_BLOCK2, opt_len, opt)) {
			*err = -EINVAL;
			goto fail;
		}
	}

	if (payload_len > 0 && !coap_add_data(pdu, payload_len, payload)) {
		*err = -EMSGSIZE;
		goto fail;
	}

	return pdu;

fail:
	coap_delete_pdu(pdu);
	return NULL;
}

static int64_t coap_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* RFC 7252's MAX_TRANSMIT_WAIT: the longest libcoap can take to give up on a request. */
static int64_t coap_max_transmit_wait_ms(const struct ota_posix *posix)
{
	return (int64_t)posix->ack_timeout_ms * ((2 << OTA_POSIX_MAX_RETRANSMIT) - 1) * 3 / 2;
}

static int coap_open(struct ota_posix *posix)
{
	coap_fixed_point_t ack_timeout = {
		.integer_part = (uint16_t)(posix->ack_timeout_ms / 1000),
		.fractional_part = (uint16_t)(posix->ack_timeout_ms % 1000),
	};
	coap_address_t dst;

	coap_address_init(&dst);
	memcpy(&dst.addr, &posix->gateway, posix->gateway_len);
	dst.size = posix->gateway_len;

	posix->coap_context = coap_new_context(NULL);
	if (posix->coap_context == NULL) {
		return -ENOMEM;
	}
	coap_register_response_handler(posix->coap_context, coap_on_response);
	coap_register_nack_handler(posix->coap_context, coap_on_nack);

	posix->coap_session =
		coap_new_client_session(posix->coap_context, NULL, &dst, COAP_PROTO_UDP);
	if (posix->coap_session == NULL) {
		posix_coap_close(posix);
		return -ENOMEM;
	}
	coap_session_set_ack_timeout(posix->coap_session, ack_timeout);
	coap_session_set_ack_random_factor(posix->coap_session, (coap_fixed_point_t){1, 500});
	coap_session_set_max_retransmit(posix->coap_session, OTA_POSIX_MAX_RETRANSMIT);

	return 0;
}

void posix_coap_close(struct ota_posix *posix)
{
	if (posix->coap_session != NULL) {
		coap_session_release(posix->coap_session);
		posix->coap_session = NULL;
	}

	if (posix->coap_context != NULL) {
		coap_free_context(posix->coap_context);
		posix->coap_context = NULL;
	}
}

static int coap_exchange_run(struct ota_posix *posix, struct coap_exchange *ex,
			     enum ota_coap_method method, const char *path, const void *payload,
			     size_t payload_len, const struct ota_block2 *block2)
{
	coap_pdu_t *pdu;
	int64_t deadline;
	int ret = 0;

	if (posix->coap_context == NULL) {
		ret = coap_open(posix);
		if (ret < 0) {
			return ret;
		}
	}

	pdu = coap_build_request(posix->coap_session, ex, method, path, payload, payload_len,
				 block2, &ret);
	if (pdu == NULL) {
		return ret;
	}

	coap_session_set_app_data(posix->coap_session, ex);

	/* coap_send() takes the PDU, also when it fails. */
	if (coap_send(posix->coap_session, pdu) == COAP_INVALID_MID) {
		ex->result = -EIO;
	}

	/*
	 * libcoap gives up after MAX_TRANSMIT_WAIT with a NACK; the deadline also ends the wait
	 * for a separate response that never follows its empty ACK.
	 */
	deadline = coap_now_ms() + coap_max_transmit_wait_ms(posix) + posix->ack_timeout_ms;
	while (ex->result == 0) {
		int64_t left = deadline - coap_now_ms();

		if (left <= 0) {
			ex->result = -ETIMEDOUT;
			break;
		}
		if (coap_io_process(posix->coap_context, (uint32_t)left) < 0) {
			ex->result = -EIO;
		}
	}

	coap_session_set_app_data(posix->coap_session, NULL);

	if (ex->result < 0) {
		/* Whatever libcoap still holds for this exchange goes with the context. */
		posix_coap_close(posix);
		return ex->result;
	}

	return 0;
}

int posix_gateway_request(void *ctx, enum ota_coap_method method, const char *path,
			  const void *payload, size_t payload_len, const struct ota_block2 *block2,
			  struct ota_coap_response *rsp, void *buf, size_t buf_len)
{
	static const char *const names[] = {"?", "GET", "POST", "PUT", "DELETE"};
	struct ota_posix *posix = ctx;
	struct coap_exchange ex = {
		.rsp = rsp,
		.buf = buf,
		.buf_len = buf_len,
	};
	int ret;

	if (method < OTA_COAP_GET || method > OTA_COAP_DELETE || path == NULL ||
	    path[0] == '\0' || path[0] == '/' || (payload_len > 0 && payload == NULL)) {
		return -EINVAL;
	}

	pthread_mutex_lock(&posix->coap_lock);
	ret = coap_exchange_run(posix, &ex, method, path, payload, payload_len, block2);
	pthread_mutex_unlock(&posix->coap_lock);

	if (ret < 0) {
		LOG_DBG("%s %s: no response (%d)", names[method], path, ret);
		return ret;
	}

	LOG_DBG("%s %s block %d: %d.%02d, %zu bytes%s", names[method], path,
		block2 != NULL ? (int)block2->num : -1, rsp->code >> 5, rsp->code & 0x1f,
		rsp->payload_len, rsp->has_block2 && rsp->block2.more ? ", more" : "");
	return 0;
}
