#!/usr/bin/env bash
# Builds upper.wasm next to this script with Debian's rustc (1.63) for
# wasm32-wasi, offline (std only), as transforms/redact/build.sh does.
set -euo pipefail
cd "$(dirname "$0")"
PATH=/usr/bin:$PATH cargo build --release --offline --target wasm32-wasi --quiet
cp target/wasm32-wasi/release/upper.wasm upper.wasm
