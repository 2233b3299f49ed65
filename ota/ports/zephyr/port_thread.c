/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* What the port needs from OpenThread: the EUI-64, the attach state, the gateway address. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/net/openthread.h>
#include <zephyr/net/socket.h>

#include <openthread/dataset.h>
#include <openthread/ip6.h>
#include <openthread/link.h>
#include <openthread/thread.h>

#include "ota_zephyr.h"
#include "port_priv.h"

LOG_MODULE_DECLARE(ota_zephyr, CONFIG_DEGU_OTA_LOG_LEVEL);

/* How often the boot-time wait looks at the device role. */
#define ATTACH_POLL_MS 250

int ota_zephyr_eui64(char out[17])
{
	struct openthread_context *ot = openthread_get_default_context();
	otExtAddress eui;

	if (ot == NULL || ot->instance == NULL) {
		return -ENODEV;
	}

	openthread_api_mutex_lock(ot);
	otLinkGetFactoryAssignedIeeeEui64(ot->instance, &eui);
	openthread_api_mutex_unlock(ot);

	for (size_t i = 0; i < sizeof(eui.m8); i++) {
		snprintf(&out[2 * i], 3, "%02x", eui.m8[i]);
	}

	return 0;
}

int ota_zephyr_thread_start(void)
{
	struct openthread_context *ot = openthread_get_default_context();
	otError err = OT_ERROR_NONE;
	int ret = 0;

	if (ot == NULL || ot->instance == NULL) {
		return -ENODEV;
	}

	openthread_api_mutex_lock(ot);

	/* Without stored credentials OpenThread would form or join with built-in defaults. */
	if (!otDatasetIsCommissioned(ot->instance)) {
		ret = -ENOENT;
		goto out;
	}

	err = otIp6SetEnabled(ot->instance, true);
	if (err == OT_ERROR_NONE) {
		err = otThreadSetEnabled(ot->instance, true);
	}
	if (err != OT_ERROR_NONE) {
		LOG_WRN("OpenThread refused to start (error %d)", err);
		ret = -EIO;
	}

out:
	openthread_api_mutex_unlock(ot);

	return ret;
}

static bool thread_attached(struct openthread_context *ot)
{
	otDeviceRole role;

	openthread_api_mutex_lock(ot);
	role = otThreadGetDeviceRole(ot->instance);
	openthread_api_mutex_unlock(ot);

	return role == OT_DEVICE_ROLE_CHILD || role == OT_DEVICE_ROLE_ROUTER ||
	       role == OT_DEVICE_ROLE_LEADER;
}

int ota_zephyr_wait_attached(k_timeout_t timeout)
{
	struct openthread_context *ot = openthread_get_default_context();
	uint64_t end = sys_clock_timeout_end_calc(timeout);

	if (ot == NULL || ot->instance == NULL) {
		return -ENODEV;
	}

	while (!thread_attached(ot)) {
		if ((uint64_t)k_uptime_ticks() >= end) {
			return -ETIMEDOUT;
		}
		k_msleep(ATTACH_POLL_MS);
	}

	return 0;
}

int ota_zephyr_gateway_addr(struct sockaddr_in6 *addr)
{
	struct openthread_context *ot = openthread_get_default_context();
	const otMeshLocalPrefix *prefix;

	if (ot == NULL || ot->instance == NULL) {
		return -ENODEV;
	}
	if (!thread_attached(ot)) {
		return -ENETUNREACH;
	}

	/* The gateway is the mesh-local prefix's ::1 (docs/protocol.md). */
	memset(addr, 0, sizeof(*addr));
	addr->sin6_family = AF_INET6;
	addr->sin6_port = htons(CONFIG_DEGU_OTA_GATEWAY_PORT);

	openthread_api_mutex_lock(ot);
	prefix = otThreadGetMeshLocalPrefix(ot->instance);
	memcpy(addr->sin6_addr.s6_addr, prefix->m8, sizeof(prefix->m8));
	openthread_api_mutex_unlock(ot);

	addr->sin6_addr.s6_addr[15] = 1;

	return 0;
}
