// Package cluster holds the test of the example in this folder: start.sh
// starts three real `sluice serve` processes whose embedded servers form
// one JetStream cluster on loopback, the CLI uses them, one is killed and
// started again. The example itself is start.sh, stop.sh and the README's
// "Running on a cluster"; this package has no code besides its test.
package cluster
