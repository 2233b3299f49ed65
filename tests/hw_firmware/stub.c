/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The factory and flash tests' stand-ins for MCUboot and for an application: a vector table,
 * a reset handler and a little code and data.  Built as the boot stand-in (CHAIN_TO set) its
 * reset handler jumps through the vector table at CHAIN_TO, as MCUboot does to slot 0.
 */

#include <stdint.h>

#ifndef FILL
#define FILL 0
#endif

extern uint32_t _stack_top;

void reset_handler(void);
void fault_handler(void);

static volatile uint32_t counter;

#if FILL > 0
const uint8_t fill[FILL] = {0x44, 0x45, 0x47, 0x55};
#endif

__attribute__((section(".vectors"), used)) const void *const vectors[16] = {
	&_stack_top,   reset_handler, fault_handler, fault_handler,
	fault_handler, fault_handler, fault_handler, 0,
	0,             0,             0,             fault_handler,
	fault_handler, 0,             fault_handler, fault_handler,
};

void reset_handler(void)
{
#ifdef CHAIN_TO
	const uint32_t *next = (const uint32_t *)CHAIN_TO;
	void (*entry)(void) = (void (*)(void))next[1];

	entry();
#endif
	for (;;) {
		counter++;
#if FILL > 0
		counter += fill[counter % FILL];
#endif
	}
}

void fault_handler(void)
{
	for (;;) {
	}
}
