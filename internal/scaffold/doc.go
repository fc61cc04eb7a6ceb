// Package scaffold writes a new transform project for `sluice module init`:
// a small working transform (it upper-cases each record and drops empty
// ones) in Go, Rust, C or AssemblyScript on the Sluice SDK of that
// language, or in Go as a plain WASI command with no SDK; its manifest
// (go.mod, Cargo.toml, Makefile or package.json); build.sh, which leaves
// NAME.wasm in the project's directory; a Firehose test event with the
// answer `sluice module test` gives for it; and test.sh.
//
// A project must build outside this repository, where the SDKs cannot be
// fetched (no module, crate or npm package is published), so each project
// carries a copy of its SDK in sluice-sdk/, referred to by a go.mod
// replace directive, a Cargo path dependency, a package.json "file:"
// dependency or the Makefile's include path. The copies are embedded from
// _sdk/, which mirrors the files of sdk/ listed in sdkFiles;
// TestSDKCopyIsCurrent fails when they drift apart, and
// `go generate ./internal/scaffold` refreshes them.
package scaffold
