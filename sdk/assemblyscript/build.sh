#!/usr/bin/env bash
# Builds the SDK's test modules (cwd: sdk/assemblyscript): test/probe.wasm
# with the default runtime and test/probe-minimal.wasm with
# SLUICE_ASC_RUNTIME=minimal.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./build-transform.sh test/probe.ts test/probe.wasm
SLUICE_ASC_RUNTIME=minimal ./build-transform.sh test/probe.ts test/probe-minimal.wasm
