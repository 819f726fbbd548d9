# obol: thin wrapper over CMake. Every target installs missing Debian
# packages first (scripts/deps.sh, quiet when nothing is missing).
#   make          build (build/)
#   make test     build + all tests, normal and ASan+UBSan (build-asan/),
#                 + the Cortex-M0 cross build of the core (build-m0/)
#   make size     Cortex-M0 code size and worst stack frame of the core; the
#                 firmware image's flash, static RAM and peak stack (QEMU)
#   make firmware build-fw/obol-rs.elf for the nRF51822 (BBC micro:bit):
#                 make firmware [RS_KEY=hex32] [RS_AUD=name] [RS_AS=uri]
#   make fuzz     libFuzzer on every target for FUZZ_SECONDS each (build-fuzz/)
#   make bench    the AS token rate vs a bare libcoap server; the ACE flow;
#                 the firmware's instruction counts in QEMU (-icount)
#   make demo     AS + RS + client: the whole ACE flow, step by step

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all deps build test test-host test-asan m0 size fuzz bench demo clean firmware

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

test: test-host test-asan size
	@echo "make test: all tests passed (normal and ASan+UBSan builds; Cortex-M0 core builds)"

test-host: build
	@cd build && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOBOL_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

m0: deps
	@cmake --no-warn-unused-cli -S . -B build-m0 \
		-DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm-none-eabi.cmake >/dev/null
	@cmake --build build-m0 -j $(JOBS)

# The firmware: a small makefile of its own (firmware/microbit/Makefile),
# at most 2 jobs. The key and audience go into its provisioning page.
RS_KEY ?=
RS_AUD ?= microbit
RS_AS ?=
firmware: deps
	@$(MAKE) -s -j 2 -C firmware/microbit BUILD=$(CURDIR)/build-fw \
		RS_KEY=$(RS_KEY) RS_AUD=$(RS_AUD) RS_AS=$(RS_AS)

# The firmware's peak stack is measured after the full flow in QEMU, which
# needs the host tools (AS, bridge): hence build and firmware.
size: m0 build firmware
	@sh scripts/size.sh build-m0 build-fw build/obol

fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOBOL_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@sh scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

bench: build firmware
	@build/obol bench as
	@echo
	@sh scripts/bench_flow.sh build
	@echo
	@/usr/bin/python3 tests/firmware/fw_e2e.py build/obol build-fw/obol-rs.elf --bench

demo: build
	@sh scripts/demo.sh build

clean:
	rm -rf build build-asan build-m0 build-fuzz build-fw
