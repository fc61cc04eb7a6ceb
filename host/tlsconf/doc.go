// Package tlsconf makes the server side of TLS for Sluice's listeners from
// PEM files: a certificate (with its intermediates), its private key and,
// optionally, the CA that client certificates must be signed by.
//
// [Load] reads and checks the files once; a file that is missing, empty,
// swapped with the other, encrypted with a passphrase, or a key that does
// not belong to the certificate is an [ErrBadFiles] error naming the
// `sluice serve` flag that set it, so a bad setup fails at start, before
// anything listens. Every listener takes its own copy of the resulting
// configuration ([Server.Config]): the HTTP listener (which adds ALPN for
// HTTP/2 and HTTP/1.1) and the NATS client listener.
//
// # Notes
//
//   - TLS 1.2 is the minimum ([MinVersion]); Go's default cipher suites and
//     curves.
//   - With a client CA, a client must present a certificate that chains to
//     it (tls.RequireAndVerifyClientCert); without one, none is asked for.
//   - Files are read once: a renewed certificate takes a restart.
//     (tls.Config.GetCertificate is the hook a reload would use.)
//   - A certificate that is expired or not yet valid, one without a
//     subjectAltName, or a key file every user can read is a warning
//     ([Server.Warnings]), not a refusal: an edge box without a real-time
//     clock may boot with the wrong date and must still come up.
package tlsconf
