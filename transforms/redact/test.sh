#!/usr/bin/env bash
# Runs the redact transform's native tests (cargo test with Debian's rustc),
# then builds redact.wasm and checks its exports and imports against
# sdk/ABI.md.
set -euo pipefail
cd "$(dirname "$0")"
PATH=/usr/bin:$PATH cargo test --offline --quiet
./build.sh
bash ../../sdk/c/check-exports.sh redact.wasm
