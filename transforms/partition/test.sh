#!/usr/bin/env bash
# Builds partition.wasm and runs its tests under Node.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./build.sh
node --test test/
