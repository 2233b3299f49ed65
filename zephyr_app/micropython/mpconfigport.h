/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * MicroPython configuration of the Degu port: the core language with float and arbitrary
 * precision integers, and only the modules user scripts written for the original Degu
 * firmware import (degu, machine, time, ujson, ustruct, array, gc, micropython, sys).
 * Everything else is left out to keep slot 0 room for the firmware that can update it.
 */

#include <alloca.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/kernel.h>

#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_CORE_FEATURES)

/* Interpreter */
#define MICROPY_ENABLE_GC           (1)
#define MICROPY_ENABLE_FINALISER    (1)
#define MICROPY_STACK_CHECK         (1)
#define MICROPY_ENABLE_SOURCE_LINE  (1)
#define MICROPY_ERROR_REPORTING     (MICROPY_ERROR_REPORTING_NORMAL)
#define MICROPY_HELPER_REPL         (1)
#define MICROPY_REPL_AUTO_INDENT    (1)
#define MICROPY_KBD_EXCEPTION       (1)
#define MICROPY_ENABLE_SCHEDULER    (1)
#define MICROPY_ENABLE_EXTERNAL_IMPORT (1)
#define MICROPY_LONGINT_IMPL        (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_FLOAT_IMPL          (MICROPY_FLOAT_IMPL_FLOAT)
#define MICROPY_PY_BUILTINS_COMPLEX (0)
#define MICROPY_PY_BUILTINS_ROUND_INT (1)
#define MICROPY_PY_BUILTINS_INPUT   (1)
#define MICROPY_PY_BUILTINS_STR_PARTITION (1) /* key=value lines of CONFIG */
#define MICROPY_PY_BUILTINS_MEMORYVIEW (1)
#define MICROPY_PY_ASYNC_AWAIT      (0)
#define MICROPY_PY_ATTRTUPLE        (0)
#define MICROPY_CPYTHON_COMPAT      (0)

/* Modules (the sensor samples use ustruct and array for register blocks) */
#define MICROPY_PY_JSON             (1)
#define MICROPY_PY_TIME             (1)
#define MICROPY_PY_STRUCT           (1)
#define MICROPY_PY_ARRAY            (1)
#define MICROPY_PY_GC               (1)
#define MICROPY_PY_MICROPYTHON_MEM_INFO (1)
#define MICROPY_PY_SYS              (1)
#define MICROPY_PY_SYS_PLATFORM     "degu"
#define MICROPY_PY_SYS_STDFILES     (0)
/* io: json.loads reads through a StringIO; open() is mp_file.c */
#define MICROPY_PY_IO               (1)
#define MICROPY_PY_IO_IOBASE        (0)
#define MICROPY_PY_COLLECTIONS      (0)
#define MICROPY_PY_CMATH            (0)

/*
 * machine: our own module (modmachine.c); extmod's generic one would bring mem8/16/32,
 * idle and soft_reset that the Degu API never had.  Signal comes from extmod.
 */
#define MICROPY_PY_MACHINE          (0)
#define MICROPY_PY_MACHINE_SIGNAL   (1)
#define MICROPY_PY_MACHINE_PIN_MAKE_NEW degu_mpy_pin_make_new

/* machine_pin.c; spelled without obj.h, which is not included yet (mp_obj_t is void *). */
struct _mp_obj_type_t;
void *degu_mpy_pin_make_new(const struct _mp_obj_type_t *type, size_t n_args, size_t n_kw,
			    void *const *args);

#define MICROPY_HW_BOARD_NAME       "Degu"
#define MICROPY_HW_MCU_NAME         "nRF52840"

#define MICROPY_BEGIN_ATOMIC_SECTION() irq_lock()
#define MICROPY_END_ATOMIC_SECTION(state) irq_unlock(state)

void mp_hal_signal_event(void);
#define MICROPY_SCHED_HOOK_SCHEDULED mp_hal_signal_event()

typedef int32_t mp_int_t;   /* must be pointer size */
typedef uint32_t mp_uint_t; /* must be pointer size */
typedef long mp_off_t;

#define MP_STATE_PORT MP_STATE_VM
