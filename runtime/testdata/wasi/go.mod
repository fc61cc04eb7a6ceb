// Test guests for package runtime: WASI commands built with
// GOOS=wasip1 GOARCH=wasm by ../build.sh. A module of their own keeps them
// out of the root module's ./... and away from the host's dependencies.
module sluice.test/runtime-wasi-guests

go 1.26
