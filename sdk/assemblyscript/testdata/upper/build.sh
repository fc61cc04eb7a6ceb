#!/usr/bin/env bash
# Builds upper.wasm next to this script with the AssemblyScript SDK's compiler.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
../../build-transform.sh assembly/index.ts upper.wasm
