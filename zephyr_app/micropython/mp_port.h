/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief Entry of the embedded MicroPython (DESIGN.md, "Device behaviour", step 4).
 */

#ifndef DEGU_MPY_MP_PORT_H_
#define DEGU_MPY_MP_PORT_H_

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Run the user script, then the REPL on the console.
 *
 * The script runs from the folder that holds it: `import foo` finds `foo.py` next to
 * it.  When the script does not exist (or @p script_path is NULL) the REPL starts at
 * once; when it ends, by returning or with an exception (printed), the REPL follows.
 *
 * @param script_path full path of the script on a mounted file system, e.g.
 *        "/NAND:/main.py".
 *
 * @retval 0 the REPL was left with a soft reset (Ctrl-D); the caller decides what follows.
 * @retval -ENODEV the console device is not ready (nothing was run).
 * @retval -EXXX the console could not be set up.
 */
int mp_port_run(const char *script_path);

#ifdef __cplusplus
}
#endif

#endif /* DEGU_MPY_MP_PORT_H_ */
