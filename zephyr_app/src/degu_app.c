/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The power switches of the board and the low-power entry points of the `degu` module. */

#include <errno.h>

#include <zephyr/device.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/gpio.h>
#include <zephyr/drivers/regulator.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/logging/log_ctrl.h>

#include <soc.h>
#include <hal/nrf_gpio.h>
#include <hal/nrf_power.h>

#include "degu_app.h"

LOG_MODULE_DECLARE(degu_app, CONFIG_DEGU_APP_LOG_LEVEL);

static const struct device *const power_switches[] = {
	DEVICE_DT_GET(DT_NODELABEL(en_3v3)),
	DEVICE_DT_GET(DT_NODELABEL(en_vin1_moni)),
};

/* SW2 wakes the device from System OFF. */
static const struct gpio_dt_spec wake_button = GPIO_DT_SPEC_GET(DT_ALIAS(sw0), gpios);

static int power_set(bool on)
{
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(power_switches); i++) {
		int err = on ? regulator_enable(power_switches[i], NULL)
			     : regulator_disable(power_switches[i]);

		/* Keep going: a switch that fails must not leave the others as they were. */
		if (err < 0 && ret == 0) {
			ret = err;
		}
	}

	return ret;
}

int degu_app_power_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(power_switches); i++) {
		if (!device_is_ready(power_switches[i])) {
			return -ENODEV;
		}
	}

	/*
	 * regulator-boot-on turned the switches on without a user; enabling them once makes
	 * this code their user, so that suspend and powerdown can turn them off.
	 */
	return power_set(true);
}

int degu_app_suspend(uint32_t seconds)
{
	int ret;

	ret = power_set(false);
	if (ret < 0) {
		LOG_ERR("Could not turn the sensor power off (%d)", ret);
		(void)power_set(true);
		return ret;
	}

	k_sleep(K_SECONDS(seconds));

	return power_set(true);
}

void degu_app_powerdown(void)
{
	(void)power_set(false);

	if (device_is_ready(wake_button.port)) {
		(void)gpio_pin_configure_dt(&wake_button, GPIO_INPUT);
		/* The button pulls the pin low: wake when it reads low. */
		nrf_gpio_cfg_sense_set(NRF_DT_GPIOS_TO_PSEL(DT_ALIAS(sw0), gpios),
				       NRF_GPIO_PIN_SENSE_LOW);
	}

	LOG_INF("Powering down; press SW2 or reset to start again");
	LOG_PANIC();

	for (;;) {
		nrf_power_system_off(NRF_POWER);
	}
}
