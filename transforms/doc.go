// Package transforms holds no code of its own: its tests run every
// ready-made transform in this directory (each built to .wasm from its own
// sub-directory by scripts/build-wasm.sh) through the real runtime with real
// data, and its benchmarks compare the same trivial transform (ASCII
// upper-casing) written with each guest SDK, as a WASI command, and natively
// in Go.
//
// The modules are built, never skipped: a test whose .wasm is missing fails
// and says to run `make transforms`.
package transforms
