/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The `degu` module: the shadow and the update check of the OTA core, and the power
 * states of the application (DESIGN.md, "Device behaviour").  A negative errno from
 * below becomes OSError(errno).
 */

#include <errno.h>

#include <zephyr/sys/util.h>

#include <degu_ota/ota.h>

#include "py/runtime.h"

#include "degu_app.h"

static void raise_if_error(int ret)
{
	if (ret < 0) {
		mp_raise_OSError(-ret);
	}
}

/* NULL when main() could not set the OTA context up (no EUI-64, no state storage). */
static struct ota *app_ota(void)
{
	struct ota *ota = degu_app_ota();

	if (ota == NULL) {
		mp_raise_OSError(ENODEV);
	}

	return ota;
}

static mp_obj_t degu_check_update(void)
{
	int ret = ota_check_update(app_ota());

	raise_if_error(ret);

	return MP_OBJ_NEW_SMALL_INT(ret > 0 ? 1 : 0);
}
static MP_DEFINE_CONST_FUN_OBJ_0(degu_check_update_obj, degu_check_update);

static mp_obj_t degu_update_shadow(mp_obj_t json_in)
{
	size_t len;
	const char *json = mp_obj_str_get_data(json_in, &len);

	raise_if_error(ota_update_shadow(app_ota(), json, len));

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(degu_update_shadow_obj, degu_update_shadow);

static mp_obj_t degu_get_shadow(void)
{
	vstr_t vstr;
	int ret;

	vstr_init(&vstr, CONFIG_DEGU_MICROPYTHON_SHADOW_SIZE);

	ret = ota_get_shadow(app_ota(), vstr.buf, vstr.alloc);
	if (ret < 0) {
		vstr_clear(&vstr);
		mp_raise_OSError(-ret);
	}

	/* The core NUL-terminates within the buffer; the bound guards against a miscount. */
	vstr.len = MIN((size_t)ret, vstr.alloc - 1);

	return mp_obj_new_str_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_0(degu_get_shadow_obj, degu_get_shadow);

static mp_obj_t degu_suspend(mp_obj_t seconds_in)
{
	mp_int_t seconds = mp_obj_get_int(seconds_in);

	if (seconds < 0) {
		mp_raise_ValueError(MP_ERROR_TEXT("seconds must be >= 0"));
	}

	raise_if_error(degu_app_suspend((uint32_t)seconds));

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(degu_suspend_obj, degu_suspend);

static mp_obj_t degu_powerdown(void)
{
	degu_app_powerdown();

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(degu_powerdown_obj, degu_powerdown);

static const mp_rom_map_elem_t degu_module_globals_table[] = {
	{MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_degu)},
	{MP_ROM_QSTR(MP_QSTR_check_update), MP_ROM_PTR(&degu_check_update_obj)},
	{MP_ROM_QSTR(MP_QSTR_update_shadow), MP_ROM_PTR(&degu_update_shadow_obj)},
	{MP_ROM_QSTR(MP_QSTR_get_shadow), MP_ROM_PTR(&degu_get_shadow_obj)},
	{MP_ROM_QSTR(MP_QSTR_suspend), MP_ROM_PTR(&degu_suspend_obj)},
	{MP_ROM_QSTR(MP_QSTR_powerdown), MP_ROM_PTR(&degu_powerdown_obj)},
};
static MP_DEFINE_CONST_DICT(degu_module_globals, degu_module_globals_table);

const mp_obj_module_t degu_module = {
	.base = {&mp_type_module},
	.globals = (mp_obj_dict_t *)&degu_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_degu, degu_module);
