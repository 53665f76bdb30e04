#!/usr/bin/env bash
# Fuzzes rsible's input layers with cargo-fuzz (libFuzzer): the INI and YAML inventory loaders,
# the playbook loader and the template layer (fuzz/). Each target runs for a fixed time with
# bounded memory and a per-input time limit; any panic, hang (> 5 s) or memory use over 512 MB
# fails the run and leaves the input in fuzz/artifacts/TARGET/. Prints the executions per
# target from libFuzzer's final stats. Needs a nightly toolchain and `cargo install cargo-fuzz`;
# not part of CI (tests/fuzz_corpus.rs replays the committed corpus there).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# New interesting inputs go to a scratch corpus, not to fuzz/corpus/ (the committed seeds).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs=${1:-60}
shift || true
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }

# Without a sanitizer: the code under test is safe Rust (a memory error would show as a panic
# or abort anyway), inputs run about twice as fast and RSS is measured without ASan's overhead.
# Release with debug assertions (cargo-fuzz's default), so integer overflows panic.
cargo +nightly fuzz build -s none >/dev/null
mapfile -t all < <(cargo +nightly fuzz list)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
printf '%-16s %12s %10s %8s  %s\n' target executions exec/s peak_MB result
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t" "$scratch/tmp-$t"
  log="$scratch/$t.log"
  status=ok
  # TMPDIR: the targets write each input to a scratch file (as rsible reads files).
  TMPDIR="$scratch/tmp-$t" cargo +nightly fuzz run -s none "$t" "$scratch/$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=512 -timeout=5 -max_len=16384 \
    -print_final_stats=1 >"$log" 2>&1 || status=FAILED
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  rss=$(awk '/stat::peak_rss_mb/ {print $2}' "$log")
  rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
  if [ "$status" != ok ]; then
    failed=1
    unit=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //')
    status="FAILED ${unit:-(see below)}"
  fi
  printf '%-16s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "$rate" "${rss:-?}" "$status"
  if [ "$failed" = 1 ] && [ "${status%% *}" = FAILED ]; then
    grep -E 'panicked|ERROR: libFuzzer|SUMMARY|Slowest|out-of-memory|timeout' "$log" | head -20 >&2 || true
  fi
done
exit "$failed"
