package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// loadCABundle reads --ca-bundle, when set, into the pool the clients
// trust for an https:// endpoint: what the AWS CLI's --ca-bundle does
// (the system's roots are then not used).
func (c *cli) loadCABundle() error {
	if c.caBundle == "" {
		return nil
	}
	b, err := os.ReadFile(c.caBundle)
	if err != nil {
		return usageErr("--ca-bundle: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return usageErr("--ca-bundle %s holds no PEM certificate", c.caBundle)
	}
	c.roots = pool
	return nil
}

// loadClientCert reads --client-cert and --client-key (both or neither).
func (c *cli) loadClientCert() error {
	switch {
	case c.clientCert == "" && c.clientKey == "":
		return nil
	case c.clientKey == "":
		return usageErr("--client-cert needs --client-key")
	case c.clientCert == "":
		return usageErr("--client-key needs --client-cert")
	}
	pair, err := tls.LoadX509KeyPair(c.clientCert, c.clientKey)
	if err != nil {
		return usageErr("--client-cert %s, --client-key %s: %v", c.clientCert, c.clientKey, err)
	}
	c.certs = []tls.Certificate{pair}
	return nil
}

// customTLS says whether the clients need more than the system's roots.
func (c *cli) customTLS() bool { return c.roots != nil || c.certs != nil }

// setTLS puts --ca-bundle's roots and the client certificate into tc.
func (c *cli) setTLS(tc *tls.Config) {
	if c.roots != nil {
		tc.RootCAs = c.roots
	}
	tc.Certificates = c.certs
}

// sdkHTTPClient is the AWS SDK's own default HTTP client, trusting
// --ca-bundle and presenting --client-cert when they are set.
func (c *cli) sdkHTTPClient() *awshttp.BuildableClient {
	hc := awshttp.NewBuildableClient()
	if !c.customTLS() {
		return hc
	}
	return hc.WithTransportOptions(func(tr *http.Transport) { c.setTLS(tr.TLSClientConfig) })
}

// httpClient is the REST API's client, trusting --ca-bundle and
// presenting --client-cert when they are set.
func (c *cli) httpClient() *http.Client {
	if !c.customTLS() {
		return http.DefaultClient
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = new(tls.Config)
	}
	c.setTLS(tr.TLSClientConfig)
	return &http.Client{Transport: tr}
}
