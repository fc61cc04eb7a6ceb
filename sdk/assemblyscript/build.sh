#!/usr/bin/env bash
# Builds the SDK's test module, test/probe.wasm (cwd: sdk/assemblyscript).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./build-transform.sh test/probe.ts test/probe.wasm
