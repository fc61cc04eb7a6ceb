// Package loopback finds free TCP ports on 127.0.0.1, for servers whose
// port must be known before they start (cluster routes that name each
// other, child processes given a --port) and that cannot take port 0.
package loopback
