// Package proctest builds the sluice command and runs `sluice serve` as a
// child process for tests that need the real binary: kill -9, signals, the
// README's steps as a user types them.
package proctest
