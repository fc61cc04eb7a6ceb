package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

// authorityHeader is the pseudo-header a client signs instead of host
// over HTTP/2: the AWS SDK for JavaScript v3 does (its hostHeaderMiddleware
// replaces host with :authority for an HTTP/2 handler), and AWS accepts
// it ("'Host' or ':authority' must be a 'SignedHeader'"). Its value is
// the request's authority, r.Host.
const authorityHeader = ":authority"

// authoritySignature is the SigV4 signature of r as a client that signed
// :authority computed it. The SDK's signer cannot recompute it (it always
// signs host), so this one canonical request is built here, following
// the SDK's signer step by step: the escaped path escaped once more, the
// query encoded then sorted, each signed header's values trimmed and
// their inner spaces collapsed, content-length as the body's length.
// TestOwnSignatureMatchesSDK checks it against the SDK's signer with
// hostName "host", where both must agree byte for byte.
func authoritySignature(r *http.Request, hostName string, signedHeaders []string, contentLength int, payloadHash string,
	secret, date, region, service string, at time.Time) string {
	var canon strings.Builder
	canon.WriteString(r.Method)
	canon.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	canon.WriteString(httpbinding.EscapePath(path, false))
	canon.WriteByte('\n')
	canon.WriteString(canonicalQuery(r.URL.Query()))
	canon.WriteByte('\n')
	for _, h := range signedHeaders {
		canon.WriteString(h)
		canon.WriteByte(':')
		switch h {
		case hostName:
			canon.WriteString(stripExcessSpaces(r.Host))
		case "content-length":
			canon.WriteString(strconv.Itoa(contentLength))
		default:
			for i, v := range r.Header.Values(h) {
				if i > 0 {
					canon.WriteByte(',')
				}
				canon.WriteString(strings.TrimSpace(stripExcessSpaces(v)))
			}
		}
		canon.WriteByte('\n')
	}
	canon.WriteByte('\n')
	canon.WriteString(strings.Join(signedHeaders, ";"))
	canon.WriteByte('\n')
	canon.WriteString(payloadHash)

	sum := sha256.Sum256([]byte(canon.String()))
	scope := date + "/" + region + "/" + service + "/" + terminator
	toSign := algorithm + "\n" + at.UTC().Format(amzDate) + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + secret)
	for _, part := range []string{date, region, service, terminator} {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalQuery encodes each name and value as SigV4 does (RFC 3986
// unreserved characters kept, everything else %XX, a space %20), then
// sorts the pairs, encoded.
func canonicalQuery(q url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, pair{sigv4Escape(k), sigv4Escape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func sigv4Escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// stripExcessSpaces trims s's spaces and collapses runs of them to one,
// as the SDK's signer does with signed header values.
func stripExcessSpaces(s string) string {
	s = strings.Trim(s, " ")
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}
