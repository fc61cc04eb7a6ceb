#!/usr/bin/env bash
# Builds upper.wasm next to this script: the C SDK benchmark transform.
set -euo pipefail
cd "$(dirname "$0")"
sdk=../..
clang --target=wasm32-wasi -mexec-model=reactor -O2 -mbulk-memory -msimd128 -Wall -Wextra -Werror -Wl,--strip-all \
  -I "$sdk" upper.c "$sdk/sluice.c" -o upper.wasm
