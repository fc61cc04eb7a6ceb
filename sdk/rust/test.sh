#!/usr/bin/env bash
# Runs the Rust SDK's tests natively (codec golden bytes, round trips,
# malformed input, the exported entry points) with Debian's rustc 1.63, and
# checks that the crate also builds for wasm32-wasi.
set -euo pipefail
cd "$(dirname "$0")"
export PATH=/usr/bin:$PATH
cargo test --offline --quiet
cargo build --offline --quiet --release --target wasm32-wasi
echo "sdk/rust: builds for wasm32-wasi"
