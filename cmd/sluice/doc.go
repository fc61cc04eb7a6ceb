// Command sluice is the Sluice server and its command-line client.
//
// `sluice serve` runs the server; every other command talks to a running
// server over its HTTP API (the Kinesis-compatible API, through the AWS SDK
// for Go, and the native REST API), at --endpoint. For an https://
// endpoint whose certificate the system does not trust (a self-signed
// one), --ca-bundle (or SLUICE_CA_BUNDLE, or AWS_CA_BUNDLE as for the AWS
// CLI) names the PEM file of the CA to trust instead, and
// --client-cert/--client-key present a client certificate to a server
// that requires one (serve --tls-client-ca).
//
// The client signs every request with SigV4, with the credentials the AWS
// CLI would use: --access-key-id and --secret-access-key, else
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the
// profile (--profile, AWS_PROFILE, "default") of ~/.aws/credentials and
// ~/.aws/config, found by the AWS SDK's config.LoadDefaultConfig (the EC2
// metadata service is never asked). With none, requests go unsigned,
// which a server without keys accepts. It signs for --region (the
// server's region; SLUICE_REGION, default us-east-1), not the profile's.
// A refusal of the server (unknown key, bad signature, access denied) is
// said in plain words with AWS's error name.
//
// `sluice serve --config FILE` reads serve's settings from `flag = value`
// lines whose keys are serve's own flag names, set through the flags
// themselves (serve_config.go); flags on the command line win. The Debian
// package's unit runs it on /etc/sluice/sluice.conf (packaging/).
package main
