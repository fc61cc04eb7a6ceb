#!/usr/bin/env bash
# Builds filter.wasm next to this script with the AssemblyScript SDK's compiler.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
../../sdk/assemblyscript/build-transform.sh assembly/index.ts filter.wasm
