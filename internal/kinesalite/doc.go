// Package kinesalite starts kinesalite, the Node.js Kinesis emulator, for
// the benchmarks that measure Sluice's Kinesis API against it. It is
// installed, pinned by package-lock.json in this directory, by `make
// bench`; a benchmark that needs it and does not find it is skipped.
package kinesalite
