// Package s3test runs a real S3-compatible server (versitygw on a
// temporary directory, on a free loopback port) for tests, with a bucket
// created and helpers to read what a test wrote.
//
// versitygw is installed by scripts/install-toolchains.sh into
// $(go env GOPATH)/bin; a test fails, never skips, when it is missing.
package s3test
