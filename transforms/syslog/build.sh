#!/usr/bin/env bash
# Builds syslog.wasm next to this script: a plain WASI command, no SDK.
set -euo pipefail
cd "$(dirname "$0")"
GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' -o syslog.wasm .
