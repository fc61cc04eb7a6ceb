// Package natsd runs the NATS server with JetStream that Sluice embeds: file
// storage under a data directory, an optional client listener, and an
// in-process connection for the rest of the host.
package natsd
