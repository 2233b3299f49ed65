/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The core's logging macros (ota/src/ota_log.h) on Zephyr's logging: selected by building
 * the core with OTA_LOG_BACKEND_HEADER="ota_log_zephyr.h"; each core file becomes a
 * Zephyr log module at CONFIG_DEGU_OTA_LOG_LEVEL.
 */

#ifndef DEGU_OTA_LOG_ZEPHYR_H_
#define DEGU_OTA_LOG_ZEPHYR_H_

#include <zephyr/logging/log.h>

#define OTA_LOG_LEVEL_NONE LOG_LEVEL_NONE
#define OTA_LOG_LEVEL_ERR  LOG_LEVEL_ERR
#define OTA_LOG_LEVEL_WRN  LOG_LEVEL_WRN
#define OTA_LOG_LEVEL_INF  LOG_LEVEL_INF
#define OTA_LOG_LEVEL_DBG  LOG_LEVEL_DBG

#define OTA_LOG_MODULE_REGISTER(name) LOG_MODULE_REGISTER(name, CONFIG_DEGU_OTA_LOG_LEVEL)

#define OTA_LOG_ERR(...) LOG_ERR(__VA_ARGS__)
#define OTA_LOG_WRN(...) LOG_WRN(__VA_ARGS__)
#define OTA_LOG_INF(...) LOG_INF(__VA_ARGS__)
#define OTA_LOG_DBG(...) LOG_DBG(__VA_ARGS__)

#endif /* DEGU_OTA_LOG_ZEPHYR_H_ */
