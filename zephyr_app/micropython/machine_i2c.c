/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * machine.I2C over Zephyr's I2C API: I2C(0) and I2C(1) are the i2c0 and i2c1 nodes of
 * devicetree.  writeto() also takes a single int, as the original Degu firmware did
 * (sensor samples write a register number that way).  Every transfer ends with a STOP;
 * a register read with a repeated start is readfrom_mem().
 *
 * TODO: writeto(addr, buf, stop=False) followed by readfrom() (a repeated start across two
 * calls) is not offered: Zephyr's i2c_write() and i2c_read() each end with a STOP, and the
 * original Degu firmware did not honour stop=False either.  readfrom_mem() is the way.
 */

#include <string.h>

#include <zephyr/device.h>
#include <zephyr/drivers/i2c.h>

#include "py/runtime.h"

#include "modmachine.h"

#ifdef I2C_MODE_CONTROLLER
#define DEGU_I2C_MODE I2C_MODE_CONTROLLER
#else
#define DEGU_I2C_MODE I2C_MODE_MASTER
#endif

/* 7-bit addresses outside the reserved ranges, what scan() probes. */
#define SCAN_FIRST 0x08
#define SCAN_LAST 0x77

static const struct device *const i2c_buses[] = {
	DEVICE_DT_GET_OR_NULL(DT_NODELABEL(i2c0)),
	DEVICE_DT_GET_OR_NULL(DT_NODELABEL(i2c1)),
};

typedef struct {
	mp_obj_base_t base;
	const struct device *bus;
	uint8_t id;
} degu_i2c_obj_t;

static void raise_if_error(int ret)
{
	if (ret < 0) {
		mp_raise_OSError(-ret);
	}
}

static uint32_t speed_of(mp_int_t freq)
{
	if (freq <= 100000) {
		return I2C_SPEED_STANDARD;
	}
	if (freq <= 400000) {
		return I2C_SPEED_FAST;
	}

	return I2C_SPEED_FAST_PLUS;
}

static mp_obj_t machine_i2c_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
			     const mp_obj_t *all_args)
{
	enum { ARG_id, ARG_freq };
	static const mp_arg_t allowed_args[] = {
		{MP_QSTR_id, MP_ARG_REQUIRED | MP_ARG_INT},
		{MP_QSTR_freq, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 400000}},
	};
	mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
	degu_i2c_obj_t *self;
	uint32_t speed;
	mp_int_t id;

	mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
				  allowed_args, args);

	id = args[ARG_id].u_int;
	if (id < 0 || id >= (mp_int_t)ARRAY_SIZE(i2c_buses) || i2c_buses[id] == NULL) {
		mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("I2C(%d): use 0 or 1"),
				  (int)id);
	}
	if (!device_is_ready(i2c_buses[id])) {
		mp_raise_OSError(ENODEV);
	}
	speed = I2C_SPEED_SET(speed_of(args[ARG_freq].u_int));
	raise_if_error(i2c_configure(i2c_buses[id], DEGU_I2C_MODE | speed));

	self = mp_obj_malloc(degu_i2c_obj_t, type);
	self->bus = i2c_buses[id];
	self->id = (uint8_t)id;

	return MP_OBJ_FROM_PTR(self);
}

static void machine_i2c_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind)
{
	degu_i2c_obj_t *self = MP_OBJ_TO_PTR(self_in);

	(void)kind;
	mp_printf(print, "I2C(%u)", self->id);
}

/* A memory address as the big-endian bytes a device expects after its bus address. */
static size_t memaddr_bytes(uint8_t *out, mp_int_t memaddr, mp_int_t addrsize)
{
	size_t len;

	if (addrsize != 8 && addrsize != 16) {
		mp_raise_msg_varg(&mp_type_ValueError,
				  MP_ERROR_TEXT("addrsize=%d: use 8 or 16"), (int)addrsize);
	}
	len = (size_t)addrsize / 8;
	for (size_t i = 0; i < len; i++) {
		out[i] = (uint8_t)(memaddr >> (8 * (len - 1 - i)));
	}

	return len;
}

static mp_obj_t machine_i2c_scan(mp_obj_t self_in)
{
	degu_i2c_obj_t *self = MP_OBJ_TO_PTR(self_in);
	mp_obj_t found = mp_obj_new_list(0, NULL);
	uint8_t byte;

	/* A one-byte read: the nRF TWIM does not do zero-length transfers. */
	for (uint16_t addr = SCAN_FIRST; addr <= SCAN_LAST; addr++) {
		if (i2c_read(self->bus, &byte, 1, addr) == 0) {
			mp_obj_list_append(found, MP_OBJ_NEW_SMALL_INT(addr));
		}
	}

	return found;
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_i2c_scan_obj, machine_i2c_scan);

static mp_obj_t machine_i2c_readfrom(mp_obj_t self_in, mp_obj_t addr_in, mp_obj_t nbytes_in)
{
	degu_i2c_obj_t *self = MP_OBJ_TO_PTR(self_in);
	vstr_t vstr;
	int ret;

	vstr_init_len(&vstr, mp_obj_get_int(nbytes_in));
	ret = i2c_read(self->bus, (uint8_t *)vstr.buf, vstr.len, mp_obj_get_int(addr_in));
	if (ret < 0) {
		vstr_clear(&vstr);
		mp_raise_OSError(-ret);
	}

	return mp_obj_new_bytes_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_3(machine_i2c_readfrom_obj, machine_i2c_readfrom);

static mp_obj_t machine_i2c_writeto(mp_obj_t self_in, mp_obj_t addr_in, mp_obj_t buf_in)
{
	degu_i2c_obj_t *self = MP_OBJ_TO_PTR(self_in);
	mp_buffer_info_t bufinfo;
	uint8_t byte;

	if (mp_obj_is_int(buf_in)) {
		byte = (uint8_t)mp_obj_get_int(buf_in);
		bufinfo.buf = &byte;
		bufinfo.len = 1;
	} else {
		mp_get_buffer_raise(buf_in, &bufinfo, MP_BUFFER_READ);
	}
	raise_if_error(i2c_write(self->bus, bufinfo.buf, bufinfo.len, mp_obj_get_int(addr_in)));

	return MP_OBJ_NEW_SMALL_INT(bufinfo.len);
}
static MP_DEFINE_CONST_FUN_OBJ_3(machine_i2c_writeto_obj, machine_i2c_writeto);

static mp_obj_t machine_i2c_readfrom_mem(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args)
{
	enum { ARG_addr, ARG_memaddr, ARG_nbytes, ARG_addrsize };
	static const mp_arg_t allowed_args[] = {
		{MP_QSTR_addr, MP_ARG_REQUIRED | MP_ARG_INT},
		{MP_QSTR_memaddr, MP_ARG_REQUIRED | MP_ARG_INT},
		{MP_QSTR_nbytes, MP_ARG_REQUIRED | MP_ARG_INT},
		{MP_QSTR_addrsize, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 8}},
	};
	degu_i2c_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
	mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
	uint8_t memaddr[2];
	size_t memaddr_len;
	vstr_t vstr;
	int ret;

	mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args),
			 allowed_args, args);
	memaddr_len = memaddr_bytes(memaddr, args[ARG_memaddr].u_int, args[ARG_addrsize].u_int);

	vstr_init_len(&vstr, args[ARG_nbytes].u_int);
	ret = i2c_write_read(self->bus, args[ARG_addr].u_int, memaddr, memaddr_len, vstr.buf,
			     vstr.len);
	if (ret < 0) {
		vstr_clear(&vstr);
		mp_raise_OSError(-ret);
	}

	return mp_obj_new_bytes_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(machine_i2c_readfrom_mem_obj, 1, machine_i2c_readfrom_mem);

static mp_obj_t machine_i2c_writeto_mem(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args)
{
	enum { ARG_addr, ARG_memaddr, ARG_buf, ARG_addrsize };
	static const mp_arg_t allowed_args[] = {
		{MP_QSTR_addr, MP_ARG_REQUIRED | MP_ARG_INT},
		{MP_QSTR_memaddr, MP_ARG_REQUIRED | MP_ARG_INT},
		{MP_QSTR_buf, MP_ARG_REQUIRED | MP_ARG_OBJ},
		{MP_QSTR_addrsize, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = 8}},
	};
	degu_i2c_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
	mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
	mp_buffer_info_t bufinfo;
	uint8_t memaddr[2];
	size_t memaddr_len;
	uint8_t *msg;
	int ret;

	mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args),
			 allowed_args, args);
	memaddr_len = memaddr_bytes(memaddr, args[ARG_memaddr].u_int, args[ARG_addrsize].u_int);
	mp_get_buffer_raise(args[ARG_buf].u_obj, &bufinfo, MP_BUFFER_READ);

	/* One message: not every controller joins two write messages without a restart. */
	msg = m_new(uint8_t, memaddr_len + bufinfo.len);
	memcpy(msg, memaddr, memaddr_len);
	memcpy(msg + memaddr_len, bufinfo.buf, bufinfo.len);
	ret = i2c_write(self->bus, msg, memaddr_len + bufinfo.len, args[ARG_addr].u_int);
	m_del(uint8_t, msg, memaddr_len + bufinfo.len);
	raise_if_error(ret);

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(machine_i2c_writeto_mem_obj, 1, machine_i2c_writeto_mem);

static const mp_rom_map_elem_t i2c_locals_dict_table[] = {
	{MP_ROM_QSTR(MP_QSTR_scan), MP_ROM_PTR(&machine_i2c_scan_obj)},
	{MP_ROM_QSTR(MP_QSTR_readfrom), MP_ROM_PTR(&machine_i2c_readfrom_obj)},
	{MP_ROM_QSTR(MP_QSTR_writeto), MP_ROM_PTR(&machine_i2c_writeto_obj)},
	{MP_ROM_QSTR(MP_QSTR_readfrom_mem), MP_ROM_PTR(&machine_i2c_readfrom_mem_obj)},
	{MP_ROM_QSTR(MP_QSTR_writeto_mem), MP_ROM_PTR(&machine_i2c_writeto_mem_obj)},
};
static MP_DEFINE_CONST_DICT(i2c_locals_dict, i2c_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(degu_i2c_type, MP_QSTR_I2C, MP_TYPE_FLAG_NONE, make_new,
			 machine_i2c_make_new, print, machine_i2c_print, locals_dict,
			 &i2c_locals_dict);
