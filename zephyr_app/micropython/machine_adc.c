/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * machine.ADC over Zephyr's ADC API, on the SoC's ADC node from devicetree.  As in the
 * original Degu firmware: ADC(n) samples analog input AINn single-ended against the
 * internal 0.6 V reference at 12 bits, with gain 1/6 until gain() sets another one.
 */

#include <zephyr/device.h>
#include <zephyr/drivers/adc.h>

#include "py/runtime.h"

#include "modmachine.h"

#define ADC_NODE DT_NODELABEL(adc)

#if !DT_NODE_HAS_COMPAT(ADC_NODE, nordic_nrf_saadc)
#error "machine.ADC maps ADC(n) to the nRF SAADC's AINn; this board's adc node is another ADC"
#endif

#include <hal/nrf_saadc.h>

#define ADC_RESOLUTION 12
#define ADC_CHANNELS 8

static const struct device *const adc_dev = DEVICE_DT_GET(ADC_NODE);

typedef struct {
	mp_obj_base_t base;
	struct adc_channel_cfg cfg;
} degu_adc_obj_t;

static void raise_if_error(int ret)
{
	if (ret < 0) {
		mp_raise_OSError(-ret);
	}
}

static mp_obj_t machine_adc_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
			     const mp_obj_t *args)
{
	degu_adc_obj_t *self;
	mp_int_t channel;

	mp_arg_check_num(n_args, n_kw, 1, 1, false);
	channel = mp_obj_get_int(args[0]);
	if (channel < 0 || channel >= ADC_CHANNELS) {
		mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("ADC(%d): use 0 to %d"),
				  (int)channel, ADC_CHANNELS - 1);
	}
	if (!device_is_ready(adc_dev)) {
		mp_raise_OSError(ENODEV);
	}

	self = mp_obj_malloc(degu_adc_obj_t, type);
	self->cfg = (struct adc_channel_cfg){
		.gain = ADC_GAIN_1_6,
		.reference = ADC_REF_INTERNAL,
		.acquisition_time = ADC_ACQ_TIME_DEFAULT,
		.channel_id = (uint8_t)channel,
		.input_positive = NRF_SAADC_INPUT_AIN0 + (uint8_t)channel,
	};
	raise_if_error(adc_channel_setup(adc_dev, &self->cfg));

	return MP_OBJ_FROM_PTR(self);
}

static void machine_adc_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind)
{
	degu_adc_obj_t *self = MP_OBJ_TO_PTR(self_in);

	(void)kind;
	mp_printf(print, "ADC(%u)", self->cfg.channel_id);
}

/* The SAADC takes only some gains; a refused one leaves the channel as it was. */
static mp_obj_t machine_adc_gain(mp_obj_t self_in, mp_obj_t gain_in)
{
	degu_adc_obj_t *self = MP_OBJ_TO_PTR(self_in);
	enum adc_gain previous = self->cfg.gain;
	int ret;

	self->cfg.gain = (enum adc_gain)mp_obj_get_int(gain_in);
	ret = adc_channel_setup(adc_dev, &self->cfg);
	if (ret < 0) {
		self->cfg.gain = previous;
		mp_raise_OSError(-ret);
	}

	return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(machine_adc_gain_obj, machine_adc_gain);

static mp_obj_t machine_adc_read(mp_obj_t self_in)
{
	degu_adc_obj_t *self = MP_OBJ_TO_PTR(self_in);
	int16_t sample = 0;
	struct adc_sequence sequence = {
		.channels = BIT(self->cfg.channel_id),
		.buffer = &sample,
		.buffer_size = sizeof(sample),
		.resolution = ADC_RESOLUTION,
	};

	/* Another ADC object may have set this channel up with its own gain since. */
	raise_if_error(adc_channel_setup(adc_dev, &self->cfg));
	raise_if_error(adc_read(adc_dev, &sequence));

	/* Single-ended samples near 0 V can come out slightly negative. */
	return MP_OBJ_NEW_SMALL_INT(sample < 0 ? 0 : sample);
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_adc_read_obj, machine_adc_read);

static const mp_rom_map_elem_t adc_locals_dict_table[] = {
	{MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&machine_adc_read_obj)},
	{MP_ROM_QSTR(MP_QSTR_gain), MP_ROM_PTR(&machine_adc_gain_obj)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_1_6), MP_ROM_INT(ADC_GAIN_1_6)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_1_5), MP_ROM_INT(ADC_GAIN_1_5)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_1_4), MP_ROM_INT(ADC_GAIN_1_4)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_1_3), MP_ROM_INT(ADC_GAIN_1_3)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_1_2), MP_ROM_INT(ADC_GAIN_1_2)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_2_3), MP_ROM_INT(ADC_GAIN_2_3)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_1), MP_ROM_INT(ADC_GAIN_1)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_2), MP_ROM_INT(ADC_GAIN_2)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_3), MP_ROM_INT(ADC_GAIN_3)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_4), MP_ROM_INT(ADC_GAIN_4)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_8), MP_ROM_INT(ADC_GAIN_8)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_16), MP_ROM_INT(ADC_GAIN_16)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_32), MP_ROM_INT(ADC_GAIN_32)},
	{MP_ROM_QSTR(MP_QSTR_GAIN_64), MP_ROM_INT(ADC_GAIN_64)},
};
static MP_DEFINE_CONST_DICT(adc_locals_dict, adc_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(degu_adc_type, MP_QSTR_ADC, MP_TYPE_FLAG_NONE, make_new,
			 machine_adc_make_new, print, machine_adc_print, locals_dict,
			 &adc_locals_dict);
