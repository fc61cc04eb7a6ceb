// Package rofs makes read-only directories for tests: a directory in
// which this process can create nothing, so a test can check how a
// destination under it is refused.
//
// As an ordinary user that is a directory with mode 0555. As root, which
// permission bits do not stop, it is a read-only tmpfs mounted for the
// test and unmounted at its end; where root cannot mount one the test is
// skipped, saying so.
package rofs
