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

// sdkHTTPClient is the AWS SDK's own default HTTP client, trusting
// --ca-bundle when it is set.
func (c *cli) sdkHTTPClient() *awshttp.BuildableClient {
	hc := awshttp.NewBuildableClient()
	if c.roots == nil {
		return hc
	}
	return hc.WithTransportOptions(func(tr *http.Transport) { tr.TLSClientConfig.RootCAs = c.roots })
}

// httpClient is the REST API's client, trusting --ca-bundle when it is set.
func (c *cli) httpClient() *http.Client {
	if c.roots == nil {
		return http.DefaultClient
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = new(tls.Config)
	}
	tr.TLSClientConfig.RootCAs = c.roots
	return &http.Client{Transport: tr}
}
