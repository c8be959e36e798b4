# Thin wrapper: install what is missing, then let CMake and ctest do the work.
# make demo | make test | make bench | make fuzz | make crash | make build | make clean

BUILD     ?= build
BUILD_SAN ?= build-san
JOBS      ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build build-san demo test bench fuzz crash format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-san: deps
	@cmake -S . -B $(BUILD_SAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_C_COMPILER=clang -DQT_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_SAN) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)/qtrace

# Both builds run every test; the sanitizer build runs last so ctest's summary ends the output.
test: build build-san
	@echo "== tests: normal build ($(BUILD)) =="
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "== tests: ASan+UBSan build ($(BUILD_SAN)) =="
	@cd $(BUILD_SAN) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash bench/run.sh $(BUILD)

fuzz: build-san
	$(BUILD_SAN)/fuzz_code -max_total_time=600 -max_len=1100 $(BUILD_SAN)/fuzz-work-code tests/fuzz/corpus/code
	$(BUILD_SAN)/fuzz_jcs -max_total_time=600 -max_len=4096 $(BUILD_SAN)/fuzz-work-jcs tests/fuzz/corpus/jcs
	$(BUILD_SAN)/fuzz_csv -max_total_time=600 -max_len=4096 $(BUILD_SAN)/fuzz-work-csv tests/fuzz/corpus/csv

# The longer crash run: 500 SIGKILLs of a committing writer (make test does 50).
crash: build
	python3 tests/crash/test_crash_kill.py $(BUILD)/ledger_writer $(BUILD)/qtrace --kills 500

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
