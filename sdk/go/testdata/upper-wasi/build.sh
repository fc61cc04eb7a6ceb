#!/usr/bin/env bash
# Builds upper.wasm next to this script: the benchmark transform as a plain
# WASI command (no SDK, no -buildmode=c-shared).
set -euo pipefail
cd "$(dirname "$0")"
GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' -o upper.wasm .
