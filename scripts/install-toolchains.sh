#!/usr/bin/env bash
# Installs what the build and the tests need beyond Go, from Debian's packages
# and the npm registry: the WASM guest toolchains (clang/wasi-libc for C,
# Debian's rustc with the wasm32-wasi std, wabt for the WAT test modules,
# AssemblyScript), qemu to run the arm64 build, and the real clients some
# tests drive (the AWS CLI v2, boto3, the JavaScript SDK v3, openssl). It does nothing for what is
# already there, so it is cheap to call from every `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have clang || need_apt+=(clang)
have wasm-ld || need_apt+=(lld)
[ -d /usr/share/wasi-sysroot ] || [ -d /usr/lib/wasm32-wasi ] || need_apt+=(wasi-libc)
ls /usr/lib/llvm-14/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 || need_apt+=(libclang-rt-14-dev-wasm32)
[ -x /usr/bin/rustc ] || need_apt+=(rustc)
[ -x /usr/bin/cargo ] || need_apt+=(cargo)
[ -d /usr/lib/rustlib/wasm32-wasi ] || need_apt+=(libstd-rust-dev-wasm32)
have wat2wasm || need_apt+=(wabt)
have qemu-aarch64-static || need_apt+=(qemu-user-static)
# Real AWS clients for the TLS and signature tests: the AWS CLI v2 at
# /usr/bin/aws (an older v1 may be first on PATH), boto3 for Debian's
# python3, faketime to give the CLI a skewed clock, and openssl, whose
# self-signed certificate command the README documents.
[ -x /usr/bin/aws ] || need_apt+=(awscli)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || need_apt+=(python3-boto3)
[ -x /usr/bin/faketime ] || need_apt+=(faketime)
have openssl || need_apt+=(openssl)
# A real browser for the console tests (host/console), driven by chromedp.
have chromium || need_apt+=(chromium)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-toolchains: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# An S3-compatible server for the tests (Apache-2.0, from the Go module proxy).
GOBIN_DIR=$(go env GOPATH)/bin
if [ ! -x "$GOBIN_DIR/versitygw" ]; then
  echo "install-toolchains: go install versitygw (S3-compatible test server)"
  go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi

# The AWS SDK for JavaScript v3, pinned by internal/clients/js/package-lock.json.
if [ ! -f internal/clients/js/node_modules/@aws-sdk/client-kinesis/package.json ]; then
  echo "install-toolchains: npm ci in internal/clients/js"
  (cd internal/clients/js && npm ci --no-audit --no-fund --loglevel=error)
fi

# AssemblyScript, pinned by sdk/assemblyscript/package-lock.json.
if [ -f sdk/assemblyscript/package.json ] && [ ! -x sdk/assemblyscript/node_modules/.bin/asc ]; then
  echo "install-toolchains: npm ci in sdk/assemblyscript"
  (cd sdk/assemblyscript && npm ci --no-audit --no-fund --loglevel=error)
fi
