#!/usr/bin/env bash
# Builds an AssemblyScript transform against this SDK:
#   build-transform.sh ENTRY.ts OUT.wasm [extra asc flags]
# run from the transform's directory. It uses the compiler pinned in this
# directory's package-lock.json (one node_modules for the whole project),
# the default incremental runtime (SLUICE_ASC_RUNTIME=minimal for the
# minimal one, see README "Building"), -O3, and routes `abort` to the SDK's
# handler so the module imports only `sluice` and `wasi_snapshot_preview1`.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 ENTRY.ts OUT.wasm [asc flags...]" >&2
  exit 2
fi
entry=$1 out=$2
shift 2
sdk=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
asc="$sdk/node_modules/.bin/asc"
if [ ! -x "$asc" ]; then
  echo "build-transform: $asc is missing: run scripts/install-toolchains.sh (or: cd sdk/assemblyscript && npm ci)" >&2
  exit 1
fi
# asc names a source by its path relative to the working directory; --use
# needs that name for the SDK's abort handler.
rel=$(realpath --relative-to="$PWD" "$sdk/assembly")
"$asc" "$entry" -O3 --runtime "${SLUICE_ASC_RUNTIME:-incremental}" \
  --use "abort=$rel/abort/abortHandler" \
  -o "$out" "$@"
