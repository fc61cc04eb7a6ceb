#!/usr/bin/env bash
# Builds every WebAssembly module the project ships or tests with: each
# directory under transforms/, sdk/ and runtime/testdata/ that holds a
# build.sh is built by running that script inside the directory; the script
# writes its .wasm files next to itself.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS= read -r script; do
  dir=$(dirname "$script")
  echo "wasm: $dir"
  if ! (cd "$dir" && bash ./build.sh); then
    echo "wasm: FAILED in $dir" >&2
    status=1
  fi
done < <(find transforms sdk runtime/testdata -name build.sh -not -path '*/node_modules/*' 2>/dev/null | sort)
exit $status
