#!/usr/bin/env bash
# Builds csv.wasm next to this script: the transform plus the C SDK, as a
# WASI reactor exporting the Sluice ABI v1 functions.
set -euo pipefail
cd "$(dirname "$0")"
sdk=../../sdk/c
clang --target=wasm32-wasi -mexec-model=reactor -O2 -mbulk-memory -msimd128 -Wall -Wextra -Werror -Wl,--strip-all \
  -I "$sdk" transform.c csvjson.c "$sdk/sluice.c" -o csv.wasm
echo "built csv.wasm ($(wc -c <csv.wasm) bytes)"
