// Command sluice is the Sluice server and its command-line client.
//
// `sluice serve` runs the server; every other command talks to a running
// server over its HTTP API (the Kinesis-compatible API, through the AWS SDK
// for Go), at --endpoint.
package main
