/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * A small bare-metal Cortex-M4 program the toolchain tests sign, hash and package.  It has
 * what MCUboot and the image tools look at in a real Zephyr build: a vector table at the
 * start of the code (initial stack pointer, reset handler, fault handlers), code, initialised
 * data copied from flash and zeroed bss.  FILLER_SIZE adds constant data to grow the image
 * to a chosen size (the bench and the oversize refusals).
 *
 * Built with CHAIN_TO (an address) it is the stand-in for MCUboot in the factory, flash and
 * west tests: after its own start-up its reset handler jumps through the vector table at
 * CHAIN_TO, as MCUboot does to the image in slot 0.
 */

#include <stdint.h>

#ifndef FILLER_SIZE
#define FILLER_SIZE 0
#endif

extern uint32_t _stack_top;
extern uint32_t _data_load;
extern uint32_t _data_start;
extern uint32_t _data_end;
extern uint32_t _bss_start;
extern uint32_t _bss_end;

void reset_handler(void);
void fault_handler(void);

static volatile uint32_t ticks;
static volatile uint32_t blink_period = 500;

#if FILLER_SIZE > 0
/* Not all zero, so the image is not mostly one repeated byte. */
const uint8_t filler[FILLER_SIZE] = {0x44, 0x65, 0x67, 0x75};
#endif

__attribute__((section(".vectors"), used)) const void *const vector_table[16] = {
	&_stack_top,   reset_handler, fault_handler, fault_handler,
	fault_handler, fault_handler, fault_handler, 0,
	0,             0,             0,             fault_handler,
	fault_handler, 0,             fault_handler, fault_handler,
};

static uint32_t next_period(uint32_t period)
{
	return (period * 3U + 7U) % 1000U;
}

int main(void)
{
	for (;;) {
		ticks++;
#if FILLER_SIZE > 0
		ticks += filler[ticks % FILLER_SIZE];
#endif
		if ((ticks % blink_period) == 0U) {
			blink_period = next_period(blink_period);
		}
	}
}

void reset_handler(void)
{
	uint32_t *src = &_data_load;
	uint32_t *dst = &_data_start;

	while (dst < &_data_end) {
		*dst++ = *src++;
	}

	for (dst = &_bss_start; dst < &_bss_end; dst++) {
		*dst = 0U;
	}

#ifdef CHAIN_TO
	const uint32_t *next = (const uint32_t *)CHAIN_TO;
	void (*entry)(void) = (void (*)(void))next[1];

	entry();
#endif
	(void)main();
}

void fault_handler(void)
{
	for (;;) {
	}
}
