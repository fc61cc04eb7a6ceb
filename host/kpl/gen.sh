#!/usr/bin/env bash
# Regenerates kpl.pb.go from kpl.proto: needs protoc (Debian's
# protobuf-compiler) and builds protoc-gen-go at the version go.mod pins.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
protoc --plugin=protoc-gen-go="$bin/protoc-gen-go" --go_out=. --go_opt=paths=source_relative kpl.proto
