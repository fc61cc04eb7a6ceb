// Package dnstest runs a real DNS server on a loopback UDP port for tests:
// it answers A and AAAA questions from a table the test sets (and changes
// while it runs), so a test can make a name resolve to a link-local or
// metadata address without touching the machine's resolver.
package dnstest
