#!/usr/bin/env bash
# Builds redact.wasm next to this script with Debian's rustc (1.63) for
# wasm32-wasi, offline (std only). /usr/bin comes first on PATH: the rustup
# toolchain in ~/.cargo has no wasm32 target.
set -euo pipefail
cd "$(dirname "$0")"
PATH=/usr/bin:$PATH cargo build --release --offline --target wasm32-wasi --quiet
cp target/wasm32-wasi/release/redact.wasm redact.wasm
echo "built redact.wasm ($(wc -c <redact.wasm) bytes)"
