# tlsscope: the two commands of the README are `make run` and `make check`.
# Both install missing Debian packages first (as root; otherwise they print
# the apt-get command to run), configure with CMake and build in build/.

BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all build run test check check-sanitize check-tsan fuzz bench install traces golden clean

all: build

# The tool alone: no test-only package, no test or bench target, and no
# build chatter unless the build fails (then the log's end and its path).
build:
	@scripts/install-deps.sh build
	@mkdir -p $(BUILD)
	@cmake -S . -B $(BUILD) -DTLSSCOPE_WERROR=ON -DTLSSCOPE_TESTS=OFF -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >$(BUILD)/build.log 2>&1 \
	  || { tail -n 30 $(BUILD)/build.log; echo "tlsscope: configuring failed, see $(BUILD)/build.log" >&2; exit 1; }
	@cmake --build $(BUILD) -j $(JOBS) --target tlsscope >>$(BUILD)/build.log 2>&1 \
	  || { tail -n 30 $(BUILD)/build.log; echo "tlsscope: the build failed, see $(BUILD)/build.log" >&2; exit 1; }

# The main job: analyze the bundled sample traces.
run: build
	@$(BUILD)/tlsscope read traces/*.pcap traces/*.pcapng

# The fast tier for the edit-build-test loop (well under two minutes): the
# unit tests, the golden outputs and the quick command-line checks.
test:
	@scripts/install-deps.sh test
	@cmake -S . -B $(BUILD) -DTLSSCOPE_WERROR=ON -DTLSSCOPE_TESTS=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure --no-label-summary -j $(JOBS) -L 'unit|golden|fast'

# Every test (built with gcc), then each fuzz harness for a few seconds
# (clang, ASan + UBSan), then the whole suite again built with ASan + UBSan
# (check-sanitize), then everything built with clang and ThreadSanitizer,
# running the unit tests and -j 4 over the traces (check-tsan). Every build
# is warning-free (-Werror) with both compilers.
check:
	@scripts/install-deps.sh test
	@cmake -S . -B $(BUILD) -DTLSSCOPE_WERROR=ON -DTLSSCOPE_TESTS=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	scripts/fuzz.sh $(FUZZ_CHECK_SECONDS)
	@$(MAKE) --no-print-directory check-sanitize
	@$(MAKE) --no-print-directory check-tsan

FUZZ_CHECK_SECONDS ?= 5
SANITIZE_BUILD ?= build-asan
check-sanitize:
	@scripts/install-deps.sh test
	@cmake -S . -B $(SANITIZE_BUILD) -DTLSSCOPE_SANITIZE=ON -DTLSSCOPE_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j $(JOBS) >/dev/null
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

TSAN_BUILD ?= build-tsan
check-tsan:
	@scripts/install-deps.sh test
	@CC=clang cmake -S . -B $(TSAN_BUILD) -DTLSSCOPE_TSAN=ON -DTLSSCOPE_WERROR=ON -DTLSSCOPE_TESTS=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) >/dev/null
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|tsan'

# The fuzz harnesses (tests/fuzz), FUZZ_SECONDS each (docs/robustness.md).
FUZZ_SECONDS ?= 600
fuzz:
	@scripts/install-deps.sh test
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Speed and memory beside tshark and a libpcap no-op loop, written into
# docs/performance.md beside the previous run's figures.
# Makes its captures once in $(BUILD)/bench (about 7 GB); BENCH_ARGS=--no-tshark
# skips tshark, which takes minutes.
BENCH_ARGS ?=
bench:
	@scripts/install-deps.sh test
	@cmake -S . -B $(BUILD) -DTLSSCOPE_TESTS=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	python3 bench/run.py $(BUILD) --doc docs/performance.md $(BENCH_ARGS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Regenerate traces/ (needs root for tcpdump), then review the golden diff.
traces:
	@cmake -S . -B $(BUILD) -DTLSSCOPE_TESTS=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target quic-gen
	QUIC_GEN=$(BUILD)/quic-gen traces/make-traces.sh
	$(MAKE) golden

golden: build
	@cmake -S . -B $(BUILD) -DTLSSCOPE_TESTS=ON >/dev/null
	cd $(BUILD) && UPDATE_GOLDEN=1 ctest -L golden --output-on-failure

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(TSAN_BUILD) build-fuzz
