#!/bin/sh
# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
#
# Cross-compile the portable OTA core (ota/src, without its host log backend) for the
# nRF52840's Cortex-M4 as the firmware build does, with warnings as errors, and print the
# text/data/bss of each object and their total (arm-none-eabi-size, Berkeley format).
#
# Usage: bench/ota_size.sh [OUT_DIR]     (default: build/ota/cross)
#
# The compiler sees only the repository's headers and a folder holding copies of the two
# libraries' headers the core includes (jsmn.h, mbedtls/), never /usr/include, so a host
# header cannot stand in for newlib's.

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build/ota/cross"}
cc=${ARM_CC:-arm-none-eabi-gcc}
size=${ARM_SIZE:-arm-none-eabi-size}
jsmn=${JSMN_H:-/usr/include/jsmn.h}
mbedtls=${MBEDTLS_INCLUDE:-/usr/include/mbedtls}

for tool in "$cc" "$size"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "ota_size: $tool not found: install gcc-arm-none-eabi (make setup does)" >&2
		exit 1
	fi
done
for header in "$jsmn" "$mbedtls/md5.h"; do
	if [ ! -f "$header" ]; then
		echo "ota_size: $header not found: install libjsmn-dev and libmbedtls-dev" >&2
		exit 1
	fi
done

rm -rf "$out/include" "$out/obj"
mkdir -p "$out/include" "$out/obj"
cp "$jsmn" "$out/include/"
cp -R "$mbedtls" "$out/include/mbedtls"

set --
for src in "$root"/ota/src/*.c; do
	name=$(basename "$src" .c)
	# The host's stderr log; on the target ota_log.h maps onto Zephyr's LOG_*.
	[ "$name" = log_stderr ] && continue
	"$cc" -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections \
		-std=c99 -Wall -Wextra -Werror \
		-I"$root/ota/include" -I"$root/ota/src" -I"$out/include" \
		-c "$src" -o "$out/obj/$name.o"
	set -- "$@" "$out/obj/$name.o"
done

if [ $# -eq 0 ]; then
	echo "ota_size: no sources in $root/ota/src" >&2
	exit 1
fi

# One device context, as the firmware holds it (static): its size is this object's bss.
printf '#include <degu_ota/ota.h>\nstruct ota degu_ota_context;\n' >"$out/obj/context.c"
"$cc" -mcpu=cortex-m4 -mthumb -Os -std=c99 -Wall -Wextra -Werror -I"$root/ota/include" \
	-c "$out/obj/context.c" -o "$out/obj/context.o"

echo "OTA core for Cortex-M4 ($("$cc" -dumpversion), -Os), bytes:"
"$size" -t "$@" | sed "s|$out/obj/||"
"$size" "$out/obj/context.o" | awk 'NR == 2 { print "struct ota (one device, static): " $3 " bytes of bss" }'
