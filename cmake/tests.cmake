# Test registration. Unit tests are tests/unit/<module>/test_<name>.c, one cmocka program
# each, found by glob so a new test file needs no edit here. Names are "unit/<module>/<name>".
file(GLOB QT_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/*/test_*.c)
foreach(src ${QT_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  set(target ${module}_${name})
  add_executable(${target} ${src})
  target_link_libraries(${target} PRIVATE qtcore PkgConfig::CMOCKA)
  add_test(NAME unit/${module}/${name} COMMAND ${target})
  set_tests_properties(unit/${module}/${name} PROPERTIES TIMEOUT 300)
endforeach()

# CLI contract tests: shell scripts that run the real binary.
# Black-box API tests: a real server on a real database, answers checked against
# docs/openapi.yaml. Debian's python (python3-yaml, python3-jsonschema), not a user's pyenv.
find_program(QT_SYSTEM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
file(GLOB QT_API_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/api/test_*.py)
foreach(script ${QT_API_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME api/${name} COMMAND ${QT_SYSTEM_PYTHON} ${script} $<TARGET_FILE:qtrace>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/api)
  set_tests_properties(api/${name} PROPERTIES TIMEOUT 600)
endforeach()

# Browser tests: the web pages in Debian's headless chromium driven by playwright-core
# (node_modules, scripts/install-deps.sh), each against a server seeded by tests/browser/seed.py;
# screenshots go to build/browser/.
find_program(QT_NODE NAMES node REQUIRED)
file(GLOB QT_BROWSER_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/browser/*.test.mjs)
foreach(script ${QT_BROWSER_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME browser/${name} COMMAND ${QT_NODE} --test ${script})
  set_tests_properties(browser/${name} PROPERTIES TIMEOUT 600 ENVIRONMENT
                       "QTRACE=$<TARGET_FILE:qtrace>;QT_BROWSER_OUT=${CMAKE_BINARY_DIR}/browser")
endforeach()

# `make demo` at a small scale: scripts/demo.sh end to end (fresh database, CLI accounts,
# server, the seeder over HTTP, Ctrl-C), what it built checked through the API and offline.
add_test(NAME demo/make_demo
         COMMAND ${QT_SYSTEM_PYTHON} ${CMAKE_SOURCE_DIR}/tests/demo/test_demo.py
                 $<TARGET_FILE:qtrace>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/demo)
set_tests_properties(demo/make_demo PROPERTIES TIMEOUT 600)

file(GLOB QT_CLI_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cli/test_*.sh)
foreach(script ${QT_CLI_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME cli/${name} COMMAND bash ${script} $<TARGET_FILE:qtrace>)
  set_tests_properties(cli/${name} PROPERTIES TIMEOUT 300
    ENVIRONMENT "QT_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()

# The committed GS1 AI table must match what the generator makes from GS1's dictionary.
find_program(PYTHON3 python3)
if(PYTHON3 AND EXISTS ${CMAKE_SOURCE_DIR}/../shared/reference/gs1-syntax-dictionary.txt)
  add_test(NAME gen/gs1_ai_table_current
    COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/gen-gs1-ai-table.py --check
            ${CMAKE_SOURCE_DIR}/../shared/reference/gs1-syntax-dictionary.txt
            ${CMAKE_SOURCE_DIR}/src/codes/gs1_ai_table.c)
endif()

# Fuzz-found inputs stay fixed: every file in a target's corpus is replayed by a plain
# driver (both builds), and with clang + sanitizers the libFuzzer target runs briefly.
# tests/fuzz/fuzz_<name>.c with its corpus in tests/fuzz/corpus/<name>/.
foreach(fuzz code jcs csv json)
  if(fuzz STREQUAL "code")
    set(fuzz_seconds 60)
  else()
    set(fuzz_seconds 30)
  endif()
  add_executable(fuzz_${fuzz}_replay tests/fuzz/fuzz_${fuzz}.c tests/fuzz/replay_main.c)
  target_link_libraries(fuzz_${fuzz}_replay PRIVATE qtcore)
  add_test(NAME fuzz/${fuzz}_corpus_replay
    COMMAND fuzz_${fuzz}_replay ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${fuzz})
  if(QT_SANITIZE AND CMAKE_C_COMPILER_ID STREQUAL "Clang")
    add_executable(fuzz_${fuzz} tests/fuzz/fuzz_${fuzz}.c)
    target_compile_options(fuzz_${fuzz} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${fuzz} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${fuzz} PRIVATE qtcore)
    file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz-work-${fuzz})
    add_test(NAME fuzz/${fuzz}_${fuzz_seconds}s
      COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
              $<TARGET_FILE:fuzz_${fuzz}> -max_total_time=${fuzz_seconds} -max_len=4096
              -timeout=10 -artifact_prefix=${CMAKE_BINARY_DIR}/fuzz-crash-${fuzz}-
              ${CMAKE_BINARY_DIR}/fuzz-work-${fuzz} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${fuzz})
    set_tests_properties(fuzz/${fuzz}_${fuzz_seconds}s PROPERTIES TIMEOUT 300)
  endif()
endforeach()

# Benchmarks are built here and run by `make bench`; their figures are never asserted.
# bench/common.c (clock, raw SQLite loop) and bench/client.c (the qtrace child, an HTTP
# client, a producer with codes) are shared by all of them.
add_library(qtbench STATIC bench/common.c bench/client.c)
target_link_libraries(qtbench PUBLIC qtcore)
file(GLOB QT_BENCH_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bench/bench_*.c)
foreach(src ${QT_BENCH_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE qtbench)
endforeach()
# Only that the HTTP bench still works end to end: tiny counts, every request must succeed.
add_test(NAME bench/http_smoke COMMAND bench_http --smoke $<TARGET_FILE:qtrace>)
set_tests_properties(bench/http_smoke PROPERTIES TIMEOUT 300)
# The same for the tracing bench: a few hundred items through three tiers, answers checked.
add_test(NAME bench/trace_smoke COMMAND bench_trace --smoke $<TARGET_FILE:qtrace>)
set_tests_properties(bench/trace_smoke PROPERTIES TIMEOUT 300)
# The same for the lookup bench: a store of 3,000 codes built fresh (not the cached 10M one).
add_test(NAME bench/lookup_smoke COMMAND bench_lookup --smoke $<TARGET_FILE:qtrace>)
set_tests_properties(bench/lookup_smoke PROPERTIES TIMEOUT 300)
# The same for the ledger bench: one group of 10,000 appended, proved, verified, and the
# verify floor's tree checked against verify's root.
add_test(NAME bench/ledger_smoke COMMAND bench_ledger 1)
set_tests_properties(bench/ledger_smoke PROPERTIES TIMEOUT 300)

# Ledger crash and tamper tests drive a real writer process (tests/crash/ledger_writer.c).
add_executable(ledger_writer tests/crash/ledger_writer.c)
target_link_libraries(ledger_writer PRIVATE qtcore)
set(QT_CRASH_KILLS 50 CACHE STRING "SIGKILLs in the crash test")
add_test(NAME crash/kill_writer
  COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/crash/test_crash_kill.py
          $<TARGET_FILE:ledger_writer> $<TARGET_FILE:qtrace> --kills ${QT_CRASH_KILLS})
set_tests_properties(crash/kill_writer PROPERTIES TIMEOUT 900)
add_test(NAME ledger/tamper
  COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/crash/test_tamper.py
          $<TARGET_FILE:ledger_writer> $<TARGET_FILE:qtrace>)
set_tests_properties(ledger/tamper PROPERTIES TIMEOUT 600)
