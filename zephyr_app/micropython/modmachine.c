/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The `machine` module with the names scripts for the original Degu firmware use:
 * reset(), Pin, Signal (MicroPython's own, over our Pin), ADC and I2C.
 */

#include <zephyr/sys/reboot.h>

#include "extmod/modmachine.h"
#include "py/runtime.h"

#include "modmachine.h"

static mp_obj_t degu_machine_reset(void)
{
	sys_reboot(SYS_REBOOT_COLD);
	CODE_UNREACHABLE;
}
static MP_DEFINE_CONST_FUN_OBJ_0(degu_machine_reset_obj, degu_machine_reset);

static const mp_rom_map_elem_t machine_module_globals_table[] = {
	{MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_machine)},
	{MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&degu_machine_reset_obj)},
	{MP_ROM_QSTR(MP_QSTR_Pin), MP_ROM_PTR(&degu_pin_type)},
	{MP_ROM_QSTR(MP_QSTR_Signal), MP_ROM_PTR(&machine_signal_type)},
	{MP_ROM_QSTR(MP_QSTR_ADC), MP_ROM_PTR(&degu_adc_type)},
	{MP_ROM_QSTR(MP_QSTR_I2C), MP_ROM_PTR(&degu_i2c_type)},
};
static MP_DEFINE_CONST_DICT(machine_module_globals, machine_module_globals_table);

const mp_obj_module_t degu_machine_module = {
	.base = {&mp_type_module},
	.globals = (mp_obj_dict_t *)&machine_module_globals,
};

/* Extensible, so that `import umachine` of older scripts finds it too. */
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_machine, degu_machine_module);
