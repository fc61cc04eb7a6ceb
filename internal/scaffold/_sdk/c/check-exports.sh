#!/usr/bin/env bash
# check-exports.sh MODULE.wasm: checks a module's exports and imports against
# sdk/ABI.md (v1) with wasm-objdump: it must export memory,
# sluice_abi_version_1, sluice_alloc and sluice_transform (and may export
# _initialize, and the globals __heap_base and __data_end that rustc exports
# from a cdylib), and import only from "sluice" (set_output, log, kv_get) and
# "wasi_snapshot_preview1". Exits non-zero with the reason otherwise.
set -euo pipefail
wasm=${1:?usage: check-exports.sh MODULE.wasm}
dump=$(wasm-objdump -x -j Export "$wasm"; wasm-objdump -x -j Import "$wasm")
status=0
for e in memory sluice_abi_version_1 sluice_alloc sluice_transform; do
  grep -q -- "-> \"$e\"" <<<"$dump" || { echo "$wasm: missing export $e" >&2; status=1; }
done
while read -r name; do
  case "$name" in
    memory|sluice_abi_version_1|sluice_alloc|sluice_transform|_initialize|__heap_base|__data_end) ;;
    *) echo "$wasm: unexpected export $name" >&2; status=1 ;;
  esac
done < <(sed -n 's/.*-> "\(.*\)"$/\1/p' <<<"$dump")
while read -r imp; do
  case "$imp" in
    sluice.set_output|sluice.log|sluice.kv_get|wasi_snapshot_preview1.*) ;;
    *) echo "$wasm: import $imp is not in ABI v1" >&2; status=1 ;;
  esac
done < <(sed -n 's/.* <- \(.*\)$/\1/p' <<<"$dump")
if [ $status -eq 0 ]; then
  echo "$wasm: exports and imports match ABI v1 ($(sed -n 's/.*-> "\(.*\)"$/\1/p' <<<"$dump" | tr '\n' ' '))"
fi
exit $status
