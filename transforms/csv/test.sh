#!/usr/bin/env bash
# Runs the csv transform's native tests (its logic and whole batches through
# the C SDK, compiled with the host's cc and the sanitizers when available),
# then builds csv.wasm and checks its exports and imports against sdk/ABI.md.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-cc}
sdk=../../sdk/c
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=gnu11 -O1 -g -Wall -Wextra -Werror -I. -I "$sdk")
san=(-fsanitize=address,undefined -fno-sanitize-recover=all)
if echo 'int main(void){return 0;}' | "$CC" "${san[@]}" -x c - -o "$out/probe" 2>/dev/null; then
  flags+=("${san[@]}")
fi
"$CC" "${flags[@]}" test/test_csv.c csvjson.c transform.c "$sdk/sluice.c" -o "$out/test_csv"
"$out/test_csv"

./build.sh
bash "$sdk/check-exports.sh" csv.wasm
