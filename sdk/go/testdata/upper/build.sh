#!/usr/bin/env bash
# Builds upper.wasm next to this script: the Go SDK benchmark transform (ABI v1 reactor).
set -euo pipefail
cd "$(dirname "$0")"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o upper.wasm .
