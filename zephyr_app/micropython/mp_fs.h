/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* Scripts and imports read through Zephyr's file system API (mp_fs.c). */

#ifndef DEGU_MPY_MP_FS_H_
#define DEGU_MPY_MP_FS_H_

#include <stddef.h>

/**
 * Make relative imports resolve in the folder of @p script_path.
 *
 * @retval -ENAMETOOLONG the folder name does not fit; imports then resolve from "/".
 */
int mp_fs_set_script_dir(const char *script_path);

/** Longest full path a script opens or imports, with its NUL. */
#define MP_FS_PATH_SIZE 64

/**
 * Resolve @p path: absolute as given, relative in the script's folder.
 *
 * @retval -ENAMETOOLONG the result would not fit in @p size bytes.
 */
int mp_fs_full_path(char *out, size_t size, const char *path);

#endif /* DEGU_MPY_MP_FS_H_ */
