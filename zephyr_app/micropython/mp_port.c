/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

#include <zephyr/fs/fs.h>
#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>

#include "py/gc.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stackctrl.h"
#include "shared/runtime/gchelper.h"
#include "shared/runtime/pyexec.h"

#include "mp_fs.h"
#include "mp_port.h"

LOG_MODULE_REGISTER(degu_mpy, CONFIG_DEGU_MICROPYTHON_LOG_LEVEL);

/*
 * Stack kept free below MicroPython's limit for the Zephyr calls the bindings make (the
 * CoAP exchange of degu.check_update() runs on this thread).
 */
#define STACK_MARGIN 2048

static char heap[CONFIG_DEGU_MICROPYTHON_HEAP_SIZE] __aligned(8);

static size_t stack_room(void)
{
#ifdef CONFIG_THREAD_STACK_INFO
	const struct k_thread *self = k_current_get();
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	return sp - self->stack_info.start - STACK_MARGIN;
#else
	return CONFIG_MAIN_STACK_SIZE - STACK_MARGIN;
#endif
}

static bool script_exists(const char *path)
{
	struct fs_dirent entry;

	return fs_stat(path, &entry) == 0 && entry.type == FS_DIR_ENTRY_FILE;
}

static void run_repl(void)
{
	for (;;) {
		if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
			if (pyexec_raw_repl() != 0) {
				return;
			}
		} else if (pyexec_friendly_repl() != 0) {
			return;
		}
	}
}

int mp_port_run(const char *script_path)
{
	int console_ret;
	int ret;

	mp_stack_ctrl_init();
	mp_stack_set_limit(stack_room());

	/* Without console input the script still runs; only the REPL is impossible. */
	console_ret = mp_hal_init();
	if (console_ret < 0) {
		LOG_ERR("Could not set up console input (%d)", console_ret);
	}

	gc_init(heap, heap + sizeof(heap));
	mp_init();

	if (script_path != NULL && script_exists(script_path)) {
		ret = mp_fs_set_script_dir(script_path);
		if (ret < 0) {
			LOG_WRN("Imports next to %s are not found (%d)", script_path, ret);
		}
		LOG_INF("Running %s", script_path);
		pyexec_file(script_path);
	} else {
		LOG_INF("No %s: REPL", script_path != NULL ? script_path : "script");
	}

	if (console_ret == 0) {
		run_repl();
	}

	gc_sweep_all();
	mp_deinit();

	return console_ret;
}

void gc_collect(void)
{
	gc_collect_start();
	gc_helper_collect_regs_and_stack();
	gc_collect_end();
}

void nlr_jump_fail(void *val)
{
	LOG_ERR("Uncaught MicroPython exception %p", val);
	k_panic();
	CODE_UNREACHABLE;
}
