/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The POSIX port's CoAP client, under the sanitizers, against a scripted UDP peer on loopback
 * that answers each request with chosen datagrams: wrong tokens, resets, separate responses,
 * malformed messages, extended option encodings.  The exact request bytes are checked too.
 * (tests/test_posix_coap.py runs the same client against a real CoAP server, aiocoap.)
 *
 * Usage: test_posix_coap <scratch folder>
 */

#define _DEFAULT_SOURCE /* usleep(), struct timeval */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <degu_ota/posix.h>

static int failures;

#define CHECK_EQ(got, want)                                                                        \
	do {                                                                                       \
		long long got_ = (long long)(got);                                                 \
		long long want_ = (long long)(want);                                               \
		if (got_ != want_) {                                                               \
			fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__,  \
				#got, got_, want_);                                                \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK(cond) CHECK_EQ(!!(cond), 1)

#define EUI "0123456789abcdef"

/* What the peer does with each request it receives; returns false to stop answering. */
typedef void (*script_fn)(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
			  int nth);

struct peer {
	int fd;
	uint16_t port;
	script_fn script;
	int requests;
	/* Datagrams the device sent that were not requests (ACK/RST), last one kept. */
	int empties;
	uint8_t last_empty[4];
	uint8_t first_req[256];
	size_t first_req_len;
	volatile int stop;
	pthread_t thread;
};

static struct peer peer;

static void reply(int fd, const struct sockaddr_in *to, const uint8_t *msg, size_t len)
{
	sendto(fd, msg, len, 0, (const struct sockaddr *)to, sizeof(*to));
}

/* A response: type, code, MID and the request's token, then @p rest (options, payload). */
static void respond(int fd, const struct sockaddr_in *to, const uint8_t *req, uint8_t type,
		    uint8_t code, uint16_t mid, const uint8_t *rest, size_t rest_len)
{
	uint8_t msg[1600];
	size_t tkl = req[0] & 0x0F;

	msg[0] = (uint8_t)(0x40 | type << 4 | tkl);
	msg[1] = code;
	msg[2] = (uint8_t)(mid >> 8);
	msg[3] = (uint8_t)mid;
	memcpy(msg + 4, req + 4, tkl);
	memcpy(msg + 4 + tkl, rest, rest_len);
	reply(fd, to, msg, 4 + tkl + rest_len);
}

static uint16_t mid_of(const uint8_t *req)
{
	return (uint16_t)(req[2] << 8 | req[3]);
}

static void *peer_run(void *arg)
{
	(void)arg;

	while (!peer.stop) {
		uint8_t buf[1600];
		struct sockaddr_in from;
		socklen_t from_len = sizeof(from);
		ssize_t n =
			recvfrom(peer.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);

		if (n < 4) {
			continue;
		}
		if (buf[1] == 0) {
			peer.empties++;
			memcpy(peer.last_empty, buf, 4);
			continue;
		}
		if (peer.requests == 0 && (size_t)n <= sizeof(peer.first_req)) {
			memcpy(peer.first_req, buf, (size_t)n);
			peer.first_req_len = (size_t)n;
		}
		peer.script(peer.fd, &from, buf, (size_t)n, peer.requests++);
	}

	return NULL;
}

static void peer_start(script_fn script)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct timeval tv = { .tv_usec = 20000 };
	socklen_t len = sizeof(addr);

	memset(&peer, 0, sizeof(peer));
	peer.script = script;
	peer.fd = socket(AF_INET, SOCK_DGRAM, 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(peer.fd, (struct sockaddr *)&addr, sizeof(addr));
	getsockname(peer.fd, (struct sockaddr *)&addr, &len);
	setsockopt(peer.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	peer.port = ntohs(addr.sin_port);
	pthread_create(&peer.thread, NULL, peer_run, NULL);
}

static void peer_stop(void)
{
	peer.stop = 1;
	pthread_join(peer.thread, NULL);
	close(peer.fd);
}

static char root[1024];

static struct ota_posix *device(const char *name)
{
	char dir[1100];
	struct ota_posix_config cfg = {
		.dir = dir,
		.gateway_host = "127.0.0.1",
		.gateway_port = peer.port,
		.ack_timeout_ms = 50,
	};
	struct ota_posix *posix = NULL;

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	CHECK_EQ(ota_posix_create(&cfg, &posix), 0);
	return posix;
}

struct result {
	int ret;
	struct ota_coap_response rsp;
	char buf[1100];
};

static void get(const char *name, const struct ota_block2 *block2, struct result *r)
{
	struct ota_posix *posix = device(name);
	const struct ota_port *port = ota_posix_port(posix);

	memset(r, 0, sizeof(*r));
	r->ret = port->gateway_request(port->ctx, OTA_COAP_GET, "update/status/" EUI, NULL, 0,
				       block2, &r->rsp, r->buf, 1024);
	/* Leave the peer time to see the ACK of a separate response. */
	usleep(50000);
	ota_posix_destroy(posix);
}

/* 2.05 "ok" piggybacked. */
static const uint8_t ok_rest[] = { 0xFF, 'o', 'k' };

static void script_plain(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
			 int nth)
{
	(void)len;
	(void)nth;
	respond(fd, from, req, 2, 0x45, mid_of(req), ok_rest, sizeof(ok_rest));
}

static void test_request_bytes(void)
{
	/* clang-format off */
	static const uint8_t want_opts[] = {
		0xB6, 'u', 'p', 'd', 'a', 't', 'e',	/* Uri-Path (11) "update" */
		0x06, 's', 't', 'a', 't', 'u', 's',	/* Uri-Path "status" */
		0x0D, 0x03,				/* Uri-Path, length 13 + 3: */
		'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
		0xC1, 0x54,				/* Block2 (23 = 11 + 12): 5, szx 4 */
	};
	/* clang-format on */
	struct ota_block2 block2 = { .num = 5, .szx = 4 };
	struct result r;

	peer_start(script_plain);
	get("bytes", &block2, &r);
	peer_stop();

	CHECK_EQ(r.ret, 0);
	CHECK_EQ(r.rsp.code, 0x45);
	CHECK_EQ(r.rsp.payload_len, 2);
	CHECK(memcmp(r.buf, "ok", 2) == 0);
	CHECK(!r.rsp.has_block2 && !r.rsp.has_size2);

	/* Version 1, Confirmable, 8-byte token; GET; the options in order; no payload. */
	CHECK_EQ(peer.first_req[0], 0x48);
	CHECK_EQ(peer.first_req[1], 0x01);
	CHECK_EQ(peer.first_req_len, 12 + sizeof(want_opts));
	CHECK(memcmp(peer.first_req + 12, want_opts, sizeof(want_opts)) == 0);
	CHECK_EQ(peer.requests, 1);
}

static void test_post_bytes(void)
{
	static const char body[] = "{\"state\":{}}";
	struct ota_posix *posix;
	const struct ota_port *port;
	struct ota_coap_response rsp;
	const uint8_t *tail;
	char buf[64];

	peer_start(script_plain);
	posix = device("post");
	port = ota_posix_port(posix);
	CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_POST, "thing/" EUI, body,
				       sizeof(body) - 1, NULL, &rsp, buf, sizeof(buf)),
		 0);
	ota_posix_destroy(posix);
	peer_stop();

	/* ... Uri-Path "thing", the EUI-64, Content-Format (12, delta 1) 50, marker, body. */
	CHECK_EQ(peer.first_req[1], 0x02);
	tail = peer.first_req + peer.first_req_len - (sizeof(body) - 1) - 3;
	CHECK_EQ(tail[0], 0x11);
	CHECK_EQ(tail[1], 50);
	CHECK_EQ(tail[2], 0xFF);
	CHECK(memcmp(tail + 3, body, sizeof(body) - 1) == 0);
}

/* Block2 num 70000 (3 bytes), Size2 (4 bytes), an unknown option 2048 of 300 bytes. */
static void script_options(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
			   int nth)
{
	uint8_t rest[400];
	size_t n = 0;
	uint32_t block2 = 70000u << 4 | 0x08 | 6;

	(void)len;
	(void)nth;

	rest[n++] = 0xD3; /* delta 13 + 10 = 23, length 3 */
	rest[n++] = 10;
	rest[n++] = (uint8_t)(block2 >> 16);
	rest[n++] = (uint8_t)(block2 >> 8);
	rest[n++] = (uint8_t)block2;
	rest[n++] = 0x54; /* delta 5: 28, length 4 */
	rest[n++] = 0x00;
	rest[n++] = 0x06;
	rest[n++] = 0xE0;
	rest[n++] = 0x00;
	rest[n++] = 0xEE; /* delta 269 + 1751 = 2020 -> 2048, length 269 + 31 = 300 */
	rest[n++] = (uint8_t)((2020 - 269) >> 8);
	rest[n++] = (uint8_t)(2020 - 269);
	rest[n++] = 0;
	rest[n++] = 31;
	memset(rest + n, 'z', 300);
	n += 300;
	rest[n++] = 0xFF;
	memcpy(rest + n, "data", 4);
	n += 4;
	respond(fd, from, req, 2, 0x45, mid_of(req), rest, n);
}

static void test_options(void)
{
	struct ota_block2 block2 = { .num = 0, .szx = 6 };
	struct result r;

	peer_start(script_options);
	get("options", &block2, &r);
	peer_stop();

	CHECK_EQ(r.ret, 0);
	CHECK(r.rsp.has_block2);
	CHECK_EQ(r.rsp.block2.num, 70000);
	CHECK(r.rsp.block2.more);
	CHECK_EQ(r.rsp.block2.szx, 6);
	CHECK(r.rsp.has_size2);
	CHECK_EQ(r.rsp.size2, 450560);
	CHECK_EQ(r.rsp.payload_len, 4);
	CHECK(memcmp(r.buf, "data", 4) == 0);
}

/* First a wrong token and malformed datagrams, then the real answer to the retransmission. */
static void script_noise(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
			 int nth)
{
	uint8_t other[64];
	static const uint8_t bad_version[] = { 0x80, 0x45, 0, 0 };
	static const uint8_t marker_only[] = { 0xFF };
	static const uint8_t bad_option[] = { 0xF0 };
	static const uint8_t short_option[] = { 0x0D };

	if (nth > 0) {
		script_plain(fd, from, req, len, nth);
		return;
	}

	memcpy(other, req, len < sizeof(other) ? len : sizeof(other));
	other[4] ^= 0xFF;
	respond(fd, from, other, 2, 0x45, mid_of(req), ok_rest, sizeof(ok_rest));
	reply(fd, from, bad_version, sizeof(bad_version));
	reply(fd, from, (const uint8_t *)"\x40", 1);
	respond(fd, from, req, 2, 0x45, mid_of(req), marker_only, sizeof(marker_only));
	respond(fd, from, req, 2, 0x45, mid_of(req), bad_option, sizeof(bad_option));
	respond(fd, from, req, 2, 0x45, mid_of(req), short_option, sizeof(short_option));
	/* Right token, another message ID: a stale ACK. */
	respond(fd, from, req, 2, 0x45, (uint16_t)(mid_of(req) + 1), ok_rest, sizeof(ok_rest));
}

static void test_noise_is_ignored(void)
{
	struct result r;

	peer_start(script_noise);
	get("noise", NULL, &r);
	peer_stop();

	CHECK_EQ(r.ret, 0);
	CHECK_EQ(r.rsp.code, 0x45);
	CHECK(memcmp(r.buf, "ok", 2) == 0);
	CHECK_EQ(peer.requests, 2);
}

static void script_reset(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
			 int nth)
{
	uint8_t rst[4] = { 0x70, 0, req[2], req[3] };

	(void)len;
	(void)nth;
	reply(fd, from, rst, sizeof(rst));
}

static void test_reset(void)
{
	struct result r;

	peer_start(script_reset);
	get("reset", NULL, &r);
	peer_stop();

	CHECK_EQ(r.ret, -ECONNRESET);
	CHECK_EQ(peer.requests, 1);
}

/* An empty ACK at once, the response later as its own Confirmable message. */
static void script_separate(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
			    int nth)
{
	uint8_t ack[4] = { 0x60, 0, req[2], req[3] };

	(void)len;
	(void)nth;
	reply(fd, from, ack, sizeof(ack));
	/* Longer than the whole retransmission schedule would allow without the ACK. */
	usleep(400000);
	respond(fd, from, req, 0, 0x84, 0x7777, (const uint8_t *)"\xFFnothing fetched", 16);
}

static void test_separate_response(void)
{
	struct result r;

	peer_start(script_separate);
	get("separate", NULL, &r);
	peer_stop();

	CHECK_EQ(r.ret, 0);
	CHECK_EQ(r.rsp.code, 0x84);
	CHECK_EQ(r.rsp.payload_len, 15);
	CHECK(memcmp(r.buf, "nothing fetched", 15) == 0);
	/* One request (no retransmission after the ACK), and our ACK of message 0x7777. */
	CHECK_EQ(peer.requests, 1);
	CHECK_EQ(peer.empties, 1);
	CHECK_EQ(peer.last_empty[0], 0x60);
	CHECK_EQ(peer.last_empty[2], 0x77);
	CHECK_EQ(peer.last_empty[3], 0x77);
}

static void script_non(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
		       int nth)
{
	(void)len;
	(void)nth;
	respond(fd, from, req, 1, 0x45, 0x1234, ok_rest, sizeof(ok_rest));
}

static void test_non_response(void)
{
	struct result r;

	peer_start(script_non);
	get("non", NULL, &r);
	peer_stop();

	CHECK_EQ(r.ret, 0);
	CHECK(memcmp(r.buf, "ok", 2) == 0);
	CHECK_EQ(peer.empties, 0);
}

static void script_silent(int fd, const struct sockaddr_in *from, const uint8_t *req, size_t len,
			  int nth)
{
	(void)fd;
	(void)from;
	(void)req;
	(void)len;
	(void)nth;
}

static void test_timeout(void)
{
	struct result r;

	peer_start(script_silent);
	get("silent", NULL, &r);
	peer_stop();

	/* 1 + MAX_RETRANSMIT sends, then -ETIMEDOUT (after 31 to 47 ACK_TIMEOUTs). */
	CHECK_EQ(r.ret, -ETIMEDOUT);
	CHECK_EQ(peer.requests, 5);
}

static void test_bad_arguments(void)
{
	struct ota_posix *posix;
	const struct ota_port *port;
	struct ota_coap_response rsp;
	struct ota_block2 block2 = { .num = 0, .szx = 7 };
	char buf[8];

	peer_start(script_plain);
	posix = device("args");
	port = ota_posix_port(posix);
	CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_GET, "", NULL, 0, NULL, &rsp, buf, 8),
		 -EINVAL);
	CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_GET, "/thing", NULL, 0, NULL, &rsp, buf,
				       8),
		 -EINVAL);
	CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_GET, "thing//x", NULL, 0, NULL, &rsp,
				       buf, 8),
		 -EINVAL);
	CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_GET, "thing/", NULL, 0, NULL, &rsp, buf,
				       8),
		 -EINVAL);
	CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_GET, "thing", NULL, 0, &block2, &rsp,
				       buf, 8),
		 -EINVAL);
	CHECK_EQ(port->gateway_request(port->ctx, (enum ota_coap_method)9, "thing", NULL, 0, NULL,
				       &rsp, buf, 8),
		 -EINVAL);
	/* A payload bigger than a datagram may be. */
	{
		static char big[2000];

		memset(big, '{', sizeof(big));
		CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_POST, "thing", big, sizeof(big),
					       NULL, &rsp, buf, 8),
			 -EMSGSIZE);
	}
	/* A response bigger than the buffer: -EMSGSIZE, code still reported. */
	CHECK_EQ(port->gateway_request(port->ctx, OTA_COAP_GET, "thing", NULL, 0, NULL, &rsp, buf,
				       1),
		 -EMSGSIZE);
	CHECK_EQ(rsp.code, 0x45);
	ota_posix_destroy(posix);
	peer_stop();

	/* Only the last request reached the wire. */
	CHECK_EQ(peer.requests, 1);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SCRATCH_FOLDER\n", argv[0]);
		return 2;
	}
	snprintf(root, sizeof(root), "%s", argv[1]);
	if (mkdir(root, 0777) < 0 && errno != EEXIST) {
		perror(root);
		return 2;
	}

	ota_posix_set_log_level(OTA_POSIX_LOG_NONE);
	test_request_bytes();
	test_post_bytes();
	test_options();
	test_noise_is_ignored();
	test_reset();
	test_separate_response();
	test_non_response();
	test_timeout();
	test_bad_arguments();

	if (failures > 0) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}

	printf("posix coap: all checks passed\n");
	return 0;
}
