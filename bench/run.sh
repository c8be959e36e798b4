#!/usr/bin/env bash
# Runs every benchmark against the given build directory and prints one table each.
# Figures are printed beside their target (and, where DESIGN.md names one, a limit measured
# in the same run), never asserted: machines are shared and noisy.
set -euo pipefail
build=${1:-build}
echo "== qtrace benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores) =="
"$build/bench_parse" "${BENCH_SECONDS:-2}"
echo
"$build/bench_ledger" "${BENCH_GROUPS:-10}"
echo
"$build/bench_http" "$build/qtrace"
echo
"$build/bench_trace" "$build/qtrace"
echo
"$build/bench_lookup" "$build/qtrace"
