#!/usr/bin/env bash
# Builds the test modules of package runtime from source, next to their
# sources (cwd must be runtime/testdata; scripts/build-wasm.sh calls this).
#   *.wat        hostile and edge-case SDK-ABI modules   (wat2wasm, wabt)
#   c_*.c        hand-written SDK-ABI v1 modules in C    (clang, wasi-libc)
#   c_wasi_*.c   hand-written WASI commands in C, no SDK (clang, wasi-libc)
#   wasi/*       WASI commands in Go                     (GOOS=wasip1)
#   notwasm.wasm, truncated.wasm   inputs that are not valid modules
set -euo pipefail
cd "$(dirname "$0")"

for f in *.wat; do
  wat2wasm "$f" -o "${f%.wat}.wasm"
done

# Bulk memory (memcpy/memset as memory.copy/fill) and SIMD, as the C SDK's
# README says: the modules time what a real C transform costs.
cflags=(--target=wasm32-wasi -mexec-model=reactor -O2 -mbulk-memory -msimd128 -Wl,--strip-all)
clang "${cflags[@]}" -o c_identity.wasm c_transform.c
clang "${cflags[@]}" -DUPPER -o c_upper.wasm c_transform.c
clang "${cflags[@]}" -o c_enrich.wasm c_enrich.c
clang "${cflags[@]}" -o c_meta.wasm c_meta.c
clang "${cflags[@]}" -o c_logflood.wasm c_logflood.c
clang --target=wasm32-wasi -O2 -mbulk-memory -msimd128 -Wl,--strip-all -o c_wasi_logflood.wasm c_wasi_logflood.c

(cd wasi && for m in upper exit3 loop; do
  GOOS=wasip1 GOARCH=wasm GOFLAGS=-mod=mod go build -trimpath -o "../wasi_$m.wasm" "./$m"
done)

printf 'this is a text file, not WebAssembly\n' > notwasm.wasm
head -c 100 c_identity.wasm > truncated.wasm
