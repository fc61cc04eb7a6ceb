#!/usr/bin/env bash
# Builds the C SDK's codec natively (the host's cc, with the sanitizers when
# they are available) and runs its tests; then checks that sluice.c also
# compiles for wasm32-wasi. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-cc}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=gnu11 -O1 -g -Wall -Wextra -Werror -I.)
san=(-fsanitize=address,undefined -fno-sanitize-recover=all)
if echo 'int main(void){return 0;}' | "$CC" "${san[@]}" -x c - -o "$out/probe" 2>/dev/null; then
  flags+=("${san[@]}")
fi
"$CC" "${flags[@]}" test/test_sluice.c sluice.c -o "$out/test_sluice"
"$out/test_sluice"
if command -v clang >/dev/null; then
  clang --target=wasm32-wasi -O2 -mbulk-memory -msimd128 -Wall -Wextra -Werror -c sluice.c -o "$out/sluice.o"
  echo "sdk/c: sluice.c compiles for wasm32-wasi"
fi
