#!/usr/bin/env bash
# Builds project.wasm next to this script (a Sluice ABI v1 reactor).
set -euo pipefail
cd "$(dirname "$0")"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o project.wasm .
