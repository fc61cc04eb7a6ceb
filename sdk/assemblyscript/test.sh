#!/usr/bin/env bash
# Builds the SDK's probe module and runs the SDK's tests under Node.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./build.sh
node --test test/
