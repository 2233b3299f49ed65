# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
#
# The MicroPython port of the Degu, built into the Zephyr app.  The app's CMakeLists.txt
# includes this file after find_package(Zephyr), with MICROPY_DIR set to the MicroPython
# tree (the west module).  MicroPython's own CMake fragments build the core and generate
# the qstr, module and root-pointer headers; this file says which sources and flags.
# degu_ota/ota.h comes with the OTA core's include folder, which the app puts on
# zephyr_interface.

if(NOT CONFIG_DEGU_MICROPYTHON)
  return()
endif()
if(NOT MICROPY_DIR OR NOT EXISTS ${MICROPY_DIR}/py/py.cmake)
  message(FATAL_ERROR "MICROPY_DIR='${MICROPY_DIR}' is not a MicroPython tree: "
    "set it to the micropython west module (west update fetches it)")
endif()
if(NOT CONFIG_NEWLIB_LIBC)
  message(FATAL_ERROR "The MicroPython port needs newlib (its float code uses libm): "
    "set CONFIG_NEWLIB_LIBC=y")
endif()

set(MICROPY_PORT_DIR ${CMAKE_CURRENT_LIST_DIR})
set(MICROPY_TARGET degu_micropython)

include(${MICROPY_DIR}/py/py.cmake)
include(${MICROPY_DIR}/extmod/extmod.cmake)

set(DEGU_MPY_SOURCE_PORT
  mp_port.c        # entry: heap, script, REPL
  mp_fs.c          # source reader and import over Zephyr's fs_*
  mp_file.c        # open()
  mphalport.c      # ticks, delays, stdio on the console device
  moddegu.c        # degu: shadow, update check, power
  modmachine.c     # machine: reset and the classes below
  machine_pin.c
  machine_adc.c
  machine_i2c.c
  )
list(TRANSFORM DEGU_MPY_SOURCE_PORT PREPEND ${MICROPY_PORT_DIR}/)

set(DEGU_MPY_SOURCE_SHARED
  readline/readline.c
  runtime/gchelper_native.c
  runtime/interrupt_char.c
  runtime/pyexec.c
  runtime/stdout_helpers.c
  )
list(TRANSFORM DEGU_MPY_SOURCE_SHARED PREPEND ${MICROPY_DIR}/shared/)

# The registers the garbage collector scans, saved by MicroPython's Cortex-M4 routine.
set(DEGU_MPY_SOURCE_ASM ${MICROPY_DIR}/shared/runtime/gchelper_thumb2.s)

# Every file whose MP_QSTR_ names, modules and root pointers the generators collect.
set(MICROPY_SOURCE_QSTR
  ${MICROPY_SOURCE_PY}
  ${MICROPY_SOURCE_EXTMOD}
  ${DEGU_MPY_SOURCE_SHARED}
  ${DEGU_MPY_SOURCE_PORT}
  )

zephyr_library_named(${MICROPY_TARGET})

zephyr_library_include_directories(
  ${MICROPY_INC_CORE}
  ${MICROPY_PORT_DIR}
  ${MICROPY_PORT_DIR}/../src # degu_app.h
  ${CMAKE_CURRENT_BINARY_DIR}
  )

zephyr_library_compile_definitions(
  NDEBUG
  MP_CONFIGFILE=<mpconfigport.h>
  )

zephyr_library_sources(${MICROPY_SOURCE_QSTR} ${DEGU_MPY_SOURCE_ASM})

add_dependencies(${MICROPY_TARGET} zephyr_generated_headers)

# The qstr preprocessing runs the compiler outside of any target, so it gets the flags
# spelled out.  Options and definitions come from zephyr_interface, for C.  Include folders
# come from this library's full, transitive list, evaluated at generate time: zephyr_interface
# only links some interface libraries (the nRF 802.15.4 radio driver's, OpenThread's), so
# their folders are not in its own property and a header that reaches them would not
# preprocess.
zephyr_get_compile_definitions_for_lang(C degu_mpy_definitions)
zephyr_get_compile_options_for_lang(C degu_mpy_options)
zephyr_get_system_include_directories_for_lang(C degu_mpy_system_includes)
set(degu_mpy_includes
  "-I$<JOIN:$<TARGET_PROPERTY:${MICROPY_TARGET},INCLUDE_DIRECTORIES>,$<SEMICOLON>-I>")
set(degu_mpy_library_definitions
  "-D$<JOIN:$<TARGET_PROPERTY:${MICROPY_TARGET},COMPILE_DEFINITIONS>,$<SEMICOLON>-D>")
set(MICROPY_CPP_FLAGS_EXTRA
  ${degu_mpy_includes}
  ${degu_mpy_system_includes}
  ${degu_mpy_definitions}
  ${degu_mpy_library_definitions}
  ${degu_mpy_options}
  )

include(${MICROPY_DIR}/py/mkrules.cmake)

target_link_libraries(app PRIVATE ${MICROPY_TARGET})
# main.c calls mp_port_run() from mp_port.h.
target_include_directories(app PRIVATE ${MICROPY_PORT_DIR})
