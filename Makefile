# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
#
# The two commands of the README: `make demo` and `make test`.  Each sets up what it needs
# first (Debian packages, a virtualenv with the pinned Python packages, the host C build),
# so either one works on a fresh machine.

VENV      ?= .venv
PYTHON    ?= python3
BUILD     ?= build
BIN        = $(VENV)/bin
# The simulated Degu's library, from this build (degutool sim, the e2e tests, make demo).
export DEGU_SIM_LIB ?= $(abspath $(BUILD))/ota/sim/libdegu_sim.so

# Debian packages: host C build (jsmn, mbedtls, sanitizers, clang for libFuzzer), the
# Cortex-M cross compiler for test images and size checks, mosquitto and mtools for the lab
# and the FAT read-back tests, util-linux for setpriv (the broker dies with the lab).
APT_PACKAGES = cmake ninja-build gcc clang libclang-rt-14-dev libjsmn-dev libmbedtls-dev \
	gcc-arm-none-eabi libnewlib-arm-none-eabi mosquitto mtools util-linux

.PHONY: setup demo demo-release test lint clean

setup: $(VENV)/.installed $(BUILD)/.built

$(BUILD)/.apt:
	@mkdir -p $(BUILD)
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		echo "+ apt-get install $(APT_PACKAGES)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@touch $@

$(VENV)/.installed: pyproject.toml $(BUILD)/.apt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

$(BUILD)/.built: $(BUILD)/.apt FORCE
	@if [ -f CMakeLists.txt ]; then \
		cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null && \
		cmake --build $(BUILD); \
	fi
	@touch $@

FORCE:

# The walkthrough (issue 5): a lab on loopback and one simulated Degu going from Alice's
# main.py to Bob's through `degutool release`, `publish` and `status`; exits non-zero with
# the reason when a step does not happen in time.
demo: setup
	$(BIN)/degutool lab demo --lab out/demo

# `make demo-release FIRMWARE=build/fw/zephyr/zephyr.bin` adds a firmware to the release: an unsigned
# zephyr.bin/.hex is signed with KEY (a demo key is made in out/ when none is given); a
# signed image is released as it is.
FIRMWARE ?=
VERSION  ?= 0.0.0
DEMO_KEY  = out/demo-key.pem
KEY      ?= $(if $(FIRMWARE),$(shell $(BIN)/degutool info $(FIRMWARE) >/dev/null 2>&1 \
	|| echo $(DEMO_KEY)))

demo-release: setup
	@mkdir -p out && rm -rf out/release
	@if [ "$(KEY)" = "$(DEMO_KEY)" ] && [ ! -f $(DEMO_KEY) ]; then \
		$(BIN)/degutool keygen --key $(DEMO_KEY); fi
	$(BIN)/degutool release --script examples/main.py --config examples/CONFIG \
		$(if $(FIRMWARE),--firmware $(FIRMWARE) --version $(VERSION)) $(if $(KEY),--key $(KEY)) \
		--base-url http://127.0.0.1:8080/releases/demo/ --out out/release

# The Python trees that exist (scripts/ and bench/ arrive with their branches).
LINT_DIRS = $(wildcard python tests scripts bench)

lint: setup
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)

test: lint
	@if [ -f $(BUILD)/CTestTestfile.cmake ]; then \
		ctest --test-dir $(BUILD) --output-on-failure; \
	fi
	$(BIN)/pytest -q

clean:
	rm -rf $(BUILD) out
