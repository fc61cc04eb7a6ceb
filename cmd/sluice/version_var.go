package main

// version is the release this binary was built from, set at link time by
// `make dist` (-ldflags "-X main.version=$(git describe --tags --always --dirty)");
// "dev" for a plain go build.
var version = "dev"
