// Package hubtest runs a real hub NATS server for edge-to-hub tests: one
// nats-server node with JetStream in its own domain (Domain), a client
// listener with one login in the hub account (Account), and a leaf node
// listener that takes edges' leaf connections with per-edge logins bound
// to that account. It can be stopped and restarted on the same ports and
// store, to cut an edge's link and restore it.
package hubtest
