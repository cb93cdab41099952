#!/usr/bin/env bash
# A short run of every fuzz target, for CI: builds the targets, then runs each one for a few
# seconds from the seeds of fuzz/seed.sh. Fails if a target does not build, or finds a crash,
# a hang or memory use past the limit. Installs nothing: it needs cargo-fuzz and a rustc that
# accepts nightly flags (RUSTC_BOOTSTRAP=1 is set here for a stable toolchain).
# Usage: bash fuzz/smoke.sh [SECONDS]   (default 5 seconds per target)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-5}"
cd "$root"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/smoke.sh: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 2
fi

targets=(parse check run facts fmt)

for target in "${targets[@]}"; do
    cargo fuzz build "$target"
done

# Runs from the seeds alone, in a folder of its own, so a smoke run takes the same time
# every time and leaves fuzz/corpus as it was. The random seed is fixed: a run tries the same
# inputs in the same order on every machine (a faster one tries more), so a finding in CI is
# found again by `bash fuzz/smoke.sh` here. New inputs are searched by the long runs of
# fuzz/README.md, not by CI.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
bash fuzz/seed.sh "$scratch" >/dev/null
for target in "${targets[@]}"; do
    echo "== fuzz smoke: $target (${seconds}s)"
    status=0
    cargo fuzz run "$target" "$scratch/$target" -- \
        -dict=fuzz/pol.dict \
        -seed=1 \
        -max_total_time="$seconds" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 >"$scratch/$target.log" 2>&1 || status=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$scratch/$target.log" || true
    if [[ $status -ne 0 ]]; then
        tail -n 60 "$scratch/$target.log" >&2
        echo "fuzz/smoke.sh: $target failed (status $status); the input is in fuzz/artifacts/$target" >&2
        exit 1
    fi
done
echo "fuzz smoke: all targets ran for ${seconds}s each"
