/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * machine.Pin over Zephyr's GPIO API.  A pin is named as in the original Degu firmware,
 * by its port and number: Pin(('GPIO_1', 7), Pin.OUT).  Levels are physical (raw);
 * active-low LEDs are driven through Signal(pin, invert=True).
 */

#include <string.h>

#include <zephyr/device.h>
#include <zephyr/drivers/gpio.h>

#include "extmod/virtpin.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "modmachine.h"

struct gpio_port {
	const char *name;
	const struct device *dev;
};

static const struct gpio_port gpio_ports[] = {
	{"GPIO_0", DEVICE_DT_GET_OR_NULL(DT_NODELABEL(gpio0))},
	{"GPIO_1", DEVICE_DT_GET_OR_NULL(DT_NODELABEL(gpio1))},
};

typedef struct {
	mp_obj_base_t base;
	const struct gpio_port *port;
	gpio_pin_t pin;
} degu_pin_obj_t;

static const struct gpio_port *find_port(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(gpio_ports); i++) {
		if (strcmp(gpio_ports[i].name, name) == 0) {
			return &gpio_ports[i];
		}
	}

	return NULL;
}

static void raise_if_error(int ret)
{
	if (ret < 0) {
		mp_raise_OSError(-ret);
	}
}

mp_obj_t degu_mpy_pin_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
			       const mp_obj_t *all_args)
{
	enum { ARG_id, ARG_mode, ARG_pull, ARG_value };
	static const mp_arg_t allowed_args[] = {
		{MP_QSTR_id, MP_ARG_REQUIRED | MP_ARG_OBJ},
		{MP_QSTR_mode, MP_ARG_INT, {.u_int = GPIO_INPUT}},
		{MP_QSTR_pull, MP_ARG_INT, {.u_int = 0}},
		{MP_QSTR_value, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none}},
	};
	mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
	const struct gpio_port *port;
	degu_pin_obj_t *self;
	gpio_flags_t flags;
	mp_obj_t *id;
	mp_int_t pin;

	mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args),
				  allowed_args, args);

	mp_obj_get_array_fixed_n(args[ARG_id].u_obj, 2, &id);
	port = find_port(mp_obj_str_get_str(id[0]));
	if (port == NULL || port->dev == NULL) {
		mp_raise_msg_varg(&mp_type_ValueError,
				  MP_ERROR_TEXT("no GPIO port '%s': use 'GPIO_0' or 'GPIO_1'"),
				  mp_obj_str_get_str(id[0]));
	}
	pin = mp_obj_get_int(id[1]);
	if (pin < 0 || pin >= 32) {
		mp_raise_msg_varg(&mp_type_ValueError,
				  MP_ERROR_TEXT("pin %d of %s: use 0 to 31"), (int)pin,
				  port->name);
	}

	flags = (gpio_flags_t)(args[ARG_mode].u_int | args[ARG_pull].u_int);
	if ((flags & GPIO_OUTPUT) && args[ARG_value].u_obj != mp_const_none) {
		flags |= mp_obj_is_true(args[ARG_value].u_obj) ? GPIO_OUTPUT_INIT_HIGH
								: GPIO_OUTPUT_INIT_LOW;
	}
	raise_if_error(gpio_pin_configure(port->dev, (gpio_pin_t)pin, flags));

	/* Signal passes no type: its Pin is always ours. */
	self = mp_obj_malloc(degu_pin_obj_t, type != NULL ? type : &degu_pin_type);
	self->port = port;
	self->pin = (gpio_pin_t)pin;

	return MP_OBJ_FROM_PTR(self);
}

static void pin_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind)
{
	degu_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);

	(void)kind;
	mp_printf(print, "Pin(('%s', %u))", self->port->name, self->pin);
}

static int pin_get(degu_pin_obj_t *self)
{
	int ret = gpio_pin_get_raw(self->port->dev, self->pin);

	raise_if_error(ret);

	return ret;
}

static void pin_set(degu_pin_obj_t *self, int value)
{
	raise_if_error(gpio_pin_set_raw(self->port->dev, self->pin, value));
}

static mp_obj_t pin_value(size_t n_args, const mp_obj_t *args)
{
	degu_pin_obj_t *self = MP_OBJ_TO_PTR(args[0]);

	if (n_args == 1) {
		return MP_OBJ_NEW_SMALL_INT(pin_get(self));
	}
	pin_set(self, mp_obj_is_true(args[1]));

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(pin_value_obj, 1, 2, pin_value);

static mp_obj_t pin_on(mp_obj_t self_in)
{
	pin_set(MP_OBJ_TO_PTR(self_in), 1);

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(pin_on_obj, pin_on);

static mp_obj_t pin_off(mp_obj_t self_in)
{
	pin_set(MP_OBJ_TO_PTR(self_in), 0);

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(pin_off_obj, pin_off);

/* What Signal calls: MP_PIN_READ / MP_PIN_WRITE. */
static mp_uint_t pin_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode)
{
	degu_pin_obj_t *self = MP_OBJ_TO_PTR(self_in);
	int ret;

	switch (request) {
	case MP_PIN_READ:
		ret = gpio_pin_get_raw(self->port->dev, self->pin);
		break;
	case MP_PIN_WRITE:
		ret = gpio_pin_set_raw(self->port->dev, self->pin, arg != 0);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret < 0) {
		*errcode = -ret;
		return MP_STREAM_ERROR;
	}

	return (mp_uint_t)ret;
}

static const mp_pin_p_t pin_pin_p = {
	.ioctl = pin_ioctl,
};

static const mp_rom_map_elem_t pin_locals_dict_table[] = {
	{MP_ROM_QSTR(MP_QSTR_value), MP_ROM_PTR(&pin_value_obj)},
	{MP_ROM_QSTR(MP_QSTR_on), MP_ROM_PTR(&pin_on_obj)},
	{MP_ROM_QSTR(MP_QSTR_off), MP_ROM_PTR(&pin_off_obj)},
	{MP_ROM_QSTR(MP_QSTR_IN), MP_ROM_INT(GPIO_INPUT)},
	{MP_ROM_QSTR(MP_QSTR_OUT), MP_ROM_INT(GPIO_OUTPUT)},
	{MP_ROM_QSTR(MP_QSTR_PULL_UP), MP_ROM_INT(GPIO_PULL_UP)},
	{MP_ROM_QSTR(MP_QSTR_PULL_DOWN), MP_ROM_INT(GPIO_PULL_DOWN)},
};
static MP_DEFINE_CONST_DICT(pin_locals_dict, pin_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(degu_pin_type, MP_QSTR_Pin, MP_TYPE_FLAG_NONE, make_new,
			 degu_mpy_pin_make_new, print, pin_print, protocol, &pin_pin_p, locals_dict,
			 &pin_locals_dict);
