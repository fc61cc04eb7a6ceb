package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sluice-io/sluice/host/auth"
	"github.com/sluice-io/sluice/host/rest"
)

// restClient calls Sluice's native REST API (modules) at --endpoint,
// signing each request with SigV4 for the service "sluice".
type restClient struct {
	base   string
	hc     *http.Client
	creds  aws.CredentialsProvider
	region string
}

func (c *cli) restClient() *restClient {
	return &restClient{base: strings.TrimRight(c.endpoint, "/"), hc: c.httpClient(), creds: c.awsCredentials(), region: c.region}
}

// do sends a request and decodes a 2xx JSON answer into out (when out is
// a *[]byte it gets the raw body). An error answer becomes "Code: message".
func (r *restClient) do(ctx context.Context, method, path string, query url.Values, body io.Reader, out any) error {
	u := r.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = io.ReadAll(body); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	if _, anonymous := r.creds.(aws.AnonymousCredentials); !anonymous {
		creds, err := r.creds.Retrieve(ctx)
		if err != nil {
			return err
		}
		if err := auth.Sign(ctx, req, payload, creds, auth.ServiceSluice, r.region, time.Now()); err != nil {
			return err
		}
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		if u := unreachable(err); u != nil {
			return u
		}
		return fmt.Errorf("%w (is 'sluice serve' running at --endpoint?)", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e rest.ErrorBody
		if json.Unmarshal(b, &e) == nil && e.Error.Code != "" {
			return refusal(e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("%s %s: %s: %s (is --endpoint a Sluice server?)", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = b
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: bad answer: %w", method, path, err)
	}
	return nil
}

// modulePath is /v1/modules/ with the escaped segments.
func modulePath(segments ...string) string {
	p := "/v1/modules"
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}
