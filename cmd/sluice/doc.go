// Command sluice is the Sluice server and its command-line client.
//
// `sluice serve` runs the server; every other command talks to a running
// server over its HTTP API (the Kinesis-compatible API, through the AWS SDK
// for Go), at --endpoint. For an https:// endpoint whose certificate the
// system does not trust (a self-signed one), --ca-bundle (or
// SLUICE_CA_BUNDLE, or AWS_CA_BUNDLE as for the AWS CLI) names the PEM
// file of the CA to trust instead, and --client-cert/--client-key present
// a client certificate to a server that requires one (serve
// --tls-client-ca).
package main
