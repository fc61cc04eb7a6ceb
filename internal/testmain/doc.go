// Package testmain runs a test binary with one temporary directory that
// lives as long as it does: the wazero compilation cache its tests share,
// so each module is compiled once per run, or the sluice binary built once
// for its tests.
package testmain
