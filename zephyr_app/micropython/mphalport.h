/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The HAL MicroPython's core and extmod call: time from the Zephyr kernel, stdio on the
 * Zephyr console device (mphalport.c).
 */

#ifndef DEGU_MPY_MPHALPORT_H_
#define DEGU_MPY_MPHALPORT_H_

#include <zephyr/kernel.h>

#include "shared/runtime/interrupt_char.h"

/** Start receiving console input; call once before the first REPL line is read. */
int mp_hal_init(void);

/** Sleep @p ms milliseconds; a pending KeyboardInterrupt (Ctrl-C) ends the sleep early. */
void mp_hal_delay_ms(mp_uint_t ms);

/* Wake a sleeping mp_hal_delay_ms() or mp_hal_stdin_rx_chr() to run scheduled work. */
void mp_hal_signal_event(void);

static inline mp_uint_t mp_hal_ticks_ms(void)
{
	return (mp_uint_t)k_uptime_get();
}

static inline mp_uint_t mp_hal_ticks_us(void)
{
	/* From the 64-bit tick count: the 32-bit cycle counter wraps in microseconds badly. */
	return (mp_uint_t)k_ticks_to_us_floor64(k_uptime_ticks());
}

static inline mp_uint_t mp_hal_ticks_cpu(void)
{
	return k_cycle_get_32();
}

static inline void mp_hal_delay_us(mp_uint_t us)
{
	k_busy_wait(us);
}

#endif /* DEGU_MPY_MPHALPORT_H_ */
