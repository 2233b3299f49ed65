/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The flat API of libdegu_sim.so (degu_sim.h) over the OTA core and the POSIX port. */

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <degu_ota/ota.h>
#include <degu_ota/posix.h>

#include "degu_sim.h"
#include "ota_log_stderr.h"

struct degu_sim {
	struct ota_posix *posix;
	struct ota_config cfg;
	char eui64[17];
	/* Last: the core's context is the large part (its scratch buffers). */
	struct ota ota;
};

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/*
 * The core's stderr backend reads DEGU_OTA_LOG_LEVEL on first use; setting the level once,
 * before any device runs, keeps threads from racing on that first use.
 */
static void degu_sim_log_init(void)
{
	const char *env = getenv("DEGU_OTA_LOG_LEVEL");
	int level = DEGU_SIM_LOG_WRN;

	if (env != NULL && env[0] >= '0' && env[0] <= '4' && env[1] == '\0') {
		level = env[0] - '0';
	}

	ota_log_stderr_set_level(level);
	ota_posix_set_log_level(level);
}

int degu_sim_api_version(void)
{
	return DEGU_SIM_API_VERSION;
}

void degu_sim_set_log_level(int level)
{
	pthread_once(&log_once, degu_sim_log_init);

	if (level < DEGU_SIM_LOG_NONE) {
		level = DEGU_SIM_LOG_NONE;
	} else if (level > DEGU_SIM_LOG_DBG) {
		level = DEGU_SIM_LOG_DBG;
	}

	ota_log_stderr_set_level(level);
	ota_posix_set_log_level(level);
}

static int degu_sim_copy_eui64(char out[17], const char *eui64)
{
	if (eui64 == NULL || strlen(eui64) != 16) {
		return -EINVAL;
	}

	for (int i = 0; i < 16; i++) {
		if (!isxdigit((unsigned char)eui64[i])) {
			return -EINVAL;
		}
		out[i] = (char)tolower((unsigned char)eui64[i]);
	}
	out[16] = '\0';

	return 0;
}

int degu_sim_create(const char *dir, const char *eui64, const char *gateway_host,
		    unsigned int gateway_port, unsigned int ack_timeout_ms,
		    unsigned int max_attempts, struct degu_sim **out)
{
	struct ota_posix_config posix_cfg = {
		.dir = dir,
		.gateway_host = gateway_host,
		.gateway_port = (uint16_t)gateway_port,
		.ack_timeout_ms = ack_timeout_ms,
	};
	struct degu_sim *sim;
	int ret;

	pthread_once(&log_once, degu_sim_log_init);

	if (out == NULL) {
		return -EINVAL;
	}
	*out = NULL;

	if (gateway_port > 65535) {
		fprintf(stderr,
			"degu_sim: gateway port %u is not a UDP port (1..65535, 0 for "
			"5683)\n",
			gateway_port);
		return -EINVAL;
	}

	sim = calloc(1, sizeof(*sim));
	if (sim == NULL) {
		return -ENOMEM;
	}

	ret = degu_sim_copy_eui64(sim->eui64, eui64);
	if (ret < 0) {
		fprintf(stderr, "degu_sim: EUI-64 \"%s\" is not 16 hex digits\n",
			eui64 != NULL ? eui64 : "(null)");
		goto fail;
	}

	ret = ota_posix_create(&posix_cfg, &sim->posix);
	if (ret < 0) {
		goto fail;
	}

	sim->cfg.port = ota_posix_port(sim->posix);
	sim->cfg.eui64 = sim->eui64;
	sim->cfg.max_attempts = max_attempts;

	ret = ota_init(&sim->ota, &sim->cfg);
	if (ret < 0) {
		fprintf(stderr, "degu_sim: could not prepare the OTA context in %s (%d)\n", dir,
			ret);
		goto fail;
	}

	*out = sim;
	return 0;

fail:
	degu_sim_destroy(sim);
	return ret;
}

int degu_sim_boot(struct degu_sim *sim)
{
	enum ota_boot_action action;
	int ret;

	/* A boot starts from what is stored, as on the device after a reset. */
	ret = ota_init(&sim->ota, &sim->cfg);
	if (ret < 0) {
		return ret;
	}

	ret = ota_boot(&sim->ota, &action);
	if (ret < 0) {
		return ret;
	}

	return action == OTA_BOOT_REBOOT ? DEGU_SIM_REBOOT : DEGU_SIM_RUN;
}

int degu_sim_check_update(struct degu_sim *sim)
{
	return ota_check_update(&sim->ota);
}

int degu_sim_update_shadow(struct degu_sim *sim, const char *json, size_t len)
{
	if (json == NULL) {
		return -EINVAL;
	}

	return ota_update_shadow(&sim->ota, json, len);
}

int degu_sim_get_shadow(struct degu_sim *sim, char *buf, size_t len)
{
	if (buf == NULL || len == 0) {
		return -EINVAL;
	}

	return ota_get_shadow(&sim->ota, buf, len);
}

int degu_sim_request(struct degu_sim *sim, int method, const char *path, const void *payload,
		     size_t payload_len, int block_num, int block_szx,
		     struct degu_sim_response *rsp, void *buf, size_t buf_len)
{
	const struct ota_port *port = sim->cfg.port;
	struct ota_coap_response r = { 0 };
	struct ota_block2 block2 = { 0 };
	int ret;

	if (method < OTA_COAP_GET || method > OTA_COAP_DELETE || rsp == NULL ||
	    (buf == NULL && buf_len > 0)) {
		return -EINVAL;
	}

	if (block_num >= 0) {
		if (block_szx < 0 || block_szx > 6) {
			return -EINVAL;
		}
		block2.num = (uint32_t)block_num;
		block2.szx = (uint8_t)block_szx;
	}

	ret = port->gateway_request(port->ctx, (enum ota_coap_method)method, path, payload,
				    payload_len, block_num >= 0 ? &block2 : NULL, &r, buf, buf_len);

	memset(rsp, 0, sizeof(*rsp));
	if (ret == 0 || ret == -EMSGSIZE) {
		rsp->code = r.code;
		rsp->payload_len = (uint32_t)r.payload_len;
		rsp->has_block2 = r.has_block2;
		rsp->block_num = r.block2.num;
		rsp->block_more = r.block2.more;
		rsp->block_szx = r.block2.szx;
		rsp->has_size2 = r.has_size2;
		rsp->size2 = r.size2;
	}

	return ret;
}

void degu_sim_destroy(struct degu_sim *sim)
{
	if (sim == NULL) {
		return;
	}

	ota_posix_destroy(sim->posix);
	free(sim);
}
