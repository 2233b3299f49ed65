/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* The classes of the `machine` module (modmachine.c), one file each. */

#ifndef DEGU_MPY_MODMACHINE_H_
#define DEGU_MPY_MODMACHINE_H_

#include "py/obj.h"

extern const mp_obj_type_t degu_pin_type;
extern const mp_obj_type_t degu_adc_type;
extern const mp_obj_type_t degu_i2c_type;

/* Pin's constructor, also what Signal(('GPIO_1', 7), Pin.OUT, invert=True) calls. */
mp_obj_t degu_mpy_pin_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
			       const mp_obj_t *args);

#endif /* DEGU_MPY_MODMACHINE_H_ */
