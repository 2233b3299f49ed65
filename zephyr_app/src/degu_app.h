/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief What the firmware's boot code offers the MicroPython port's `degu` module.
 */

#ifndef DEGU_APP_H_
#define DEGU_APP_H_

#include <stdint.h>

#include <degu_ota/ota.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The OTA context main() initialised (for degu.check_update, update_shadow, get_shadow).
 *
 * @return the context, or NULL when it could not be initialised (no EUI-64, no state
 *         storage); the `degu` functions then fail with -ENODEV.
 */
struct ota *degu_app_ota(void);

/**
 * Sleep for @p seconds with the sensor power switches (3.3 V rail, Vin1 monitor) off, then
 * turn them on again.  The radio keeps its Thread attachment.
 *
 * @retval 0 slept and powered the sensors again.
 * @retval -EXXX a power switch could not be turned off or on (the sleep is skipped when
 *         turning off fails).
 */
int degu_app_suspend(uint32_t seconds);

/**
 * Turn the power switches off and put the nRF52840 into System OFF.  Pressing SW2 (or a
 * reset) starts the device again from the bootloader.  Does not return.
 */
void degu_app_powerdown(void);

/** Take hold of the power switches the board turned on at init (main() calls it once). */
int degu_app_power_init(void);

#ifdef __cplusplus
}
#endif

#endif /* DEGU_APP_H_ */
