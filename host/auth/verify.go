package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// MaxClockSkew is how far a request's X-Amz-Date may be from the
// server's clock, either way: SigV4's 15 minutes.
const MaxClockSkew = 15 * time.Minute

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	amzDate    = "20060102T150405Z"
	scopeDate  = "20060102"
)

// sdkIgnoredHeaders are the headers the SDK's signer leaves out of a
// signature (aws/signer/internal/v4.IgnoredHeaders); a signature over one
// of them cannot be recomputed with it.
var sdkIgnoredHeaders = []string{"authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding"}

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	accessKeyID, date, region, service, term string
	signedHeaders                            []string
	signature                                string
}

// verifier checks SigV4 signatures by signing the request again with the
// AWS SDK's signer and comparing the two in constant time.
type verifier struct {
	keys   *Keys
	region string
	now    func() time.Time
	signer *v4.Signer
}

// verify checks r's signature, body being its whole body, for one of the
// signing services; it returns the key that signed it.
func (v *verifier) verify(ctx context.Context, r *http.Request, body []byte, services []string) (*Key, *Error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		q := r.URL.Query()
		if q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Algorithm") {
			return nil, newError(CodeIncompleteSignature, "Sluice does not accept query-string (presigned URL) authentication: sign the Authorization header.")
		}
		return nil, newError(CodeMissingToken, msgMissingToken)
	}
	a, aerr := parseAuthorization(header)
	if aerr != nil {
		return nil, aerr
	}
	dateHeader := r.Header.Get("X-Amz-Date")
	if dateHeader == "" {
		return nil, newError(CodeIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", header)
	}
	t, err := time.Parse(amzDate, dateHeader)
	if err != nil {
		return nil, newError(CodeIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", dateHeader)
	}
	now := v.now().UTC()
	switch {
	case t.Before(now.Add(-MaxClockSkew)):
		return nil, newError(CodeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - %d min.)",
			t.Format(amzDate), now.Add(-MaxClockSkew).Format(amzDate), now.Format(amzDate), int(MaxClockSkew/time.Minute))
	case t.After(now.Add(MaxClockSkew)):
		return nil, newError(CodeInvalidSignature, "Signature not yet current: %s is still later than %s (%s + %d min.)",
			t.Format(amzDate), now.Add(MaxClockSkew).Format(amzDate), now.Format(amzDate), int(MaxClockSkew/time.Minute))
	}
	if a.date != t.Format(scopeDate) {
		return nil, newError(CodeInvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, t.Format(scopeDate), dateHeader)
	}
	var scopeErrs []string
	if a.region != v.region {
		scopeErrs = append(scopeErrs, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. ", a.region))
	}
	if !slices.Contains(services, a.service) {
		scopeErrs = append(scopeErrs, fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", services[0]))
	}
	if a.term != terminator {
		scopeErrs = append(scopeErrs, fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", a.term))
	}
	if len(scopeErrs) > 0 {
		return nil, newError(CodeInvalidSignature, "%s", strings.Join(scopeErrs, ""))
	}
	// Over HTTP/2 a client may sign :authority instead of host (see
	// authorityHeader).
	byAuthority := r.ProtoMajor >= 2 && slices.Contains(a.signedHeaders, authorityHeader) && !slices.Contains(a.signedHeaders, "host")
	if !slices.Contains(a.signedHeaders, "host") && !byAuthority {
		return nil, newError(CodeIncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") && !slices.Contains(a.signedHeaders, l) {
			return nil, newError(CodeIncompleteSignature, "The request's header '%s' is not signed: every x-amz-* header must be a 'SignedHeader' in the AWS Authorization.", l)
		}
	}
	for _, h := range a.signedHeaders {
		if slices.Contains(sdkIgnoredHeaders, h) {
			return nil, newError(CodeInvalidSignature, "Sluice cannot verify a signature over the '%s' header: leave it out of SignedHeaders.", h)
		}
		if h != "host" && h != "content-length" && !(byAuthority && h == authorityHeader) && len(r.Header.Values(h)) == 0 {
			return nil, newError(CodeInvalidSignature, "The signed header '%s' is not in the request.", h)
		}
	}
	key, ok := v.keys.lookup(a.accessKeyID)
	if !ok || r.Header.Get("X-Amz-Security-Token") != "" {
		// Sluice issues no temporary credentials, so a session token is
		// as unknown as an access key it does not have.
		return nil, newError(CodeUnrecognizedClient, msgUnrecognized)
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && !strings.EqualFold(h, payloadHash) {
		return nil, newError(CodeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed: it must be the hex SHA-256 of the body (unsigned and streaming payloads are not accepted).")
	}

	if byAuthority {
		want := authoritySignature(r, authorityHeader, a.signedHeaders, len(body), payloadHash,
			key.SecretAccessKey, a.date, a.region, a.service, t)
		if !slices.IsSorted(a.signedHeaders) || subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
			return nil, newError(CodeInvalidSignature, msgSignatureMismatch)
		}
		return key, nil
	}

	// The request again, with only the headers it signed, signed with
	// the key's secret by the SDK.
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	again := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: make(http.Header, len(a.signedHeaders)),
	}
	for _, h := range a.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			again.ContentLength = int64(len(body))
		default:
			again.Header[textproto.CanonicalMIMEHeaderKey(h)] = r.Header.Values(h)
		}
	}
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
	if err := v.signer.SignHTTP(ctx, creds, again, payloadHash, a.service, a.region, t); err != nil {
		return nil, newError(CodeIncompleteSignature, "The signature could not be computed: %v", err)
	}
	want, werr := parseAuthorization(again.Header.Get("Authorization"))
	if werr != nil {
		return nil, werr
	}
	sameHeaders := slices.Equal(want.signedHeaders, a.signedHeaders)
	sameSignature := subtle.ConstantTimeCompare([]byte(want.signature), []byte(a.signature)) == 1
	if !sameHeaders || !sameSignature {
		return nil, newError(CodeInvalidSignature, msgSignatureMismatch)
	}
	return key, nil
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/
// SERVICE/aws4_request, SignedHeaders=a;b, Signature=HEX".
func parseAuthorization(header string) (*authorization, *Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return nil, newError(CodeIncompleteSignature, "Unsupported AWS 'algorithm': '%s'. Sluice verifies %s.", alg, algorithm)
		}
		return nil, newError(CodeIncompleteSignature, "Authorization header requires '%s' as its algorithm, then 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=%s", algorithm, header)
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, newError(CodeIncompleteSignature, "'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'", part, header)
		}
		params[k] = val
	}
	var missing []string
	for _, p := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[p] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", p))
		}
	}
	if len(missing) > 0 {
		return nil, newError(CodeIncompleteSignature, "%s Authorization=%s", strings.Join(missing, " "), header)
	}
	cred := strings.Split(params["Credential"], "/")
	if len(cred) != 5 || cred[0] == "" {
		return nil, newError(CodeIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", params["Credential"])
	}
	return &authorization{
		accessKeyID:   cred[0],
		date:          cred[1],
		region:        cred[2],
		service:       cred[3],
		term:          cred[4],
		signedHeaders: strings.Split(params["SignedHeaders"], ";"),
		signature:     params["Signature"],
	}, nil
}
