package awstest

import (
	"io"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// SDKHTTPClient is the AWS SDK for Go v2's default HTTP client with a
// work-around for a race in the SDK (aws-sdk-go-v2 v1.48 with smithy-go
// v1.28.9) that closes about one SubscribeToShard in ten over HTTP/1.1 a
// moment after it starts: the request body the SDK hands net/http has a
// WriteTo that returns io.EOF once the SDK has closed the body, which it
// does when the answer's headers arrive; net/http's check that the body
// holds no more than its Content-Length can run after that (the body went
// straight to the socket), takes the io.EOF for a failed read and closes
// the connection, answer and all ("use of closed network connection"). A
// body without WriteTo is read with Read, whose io.EOF is the end. Only
// the client changes; what the server answers is the same.
func SDKHTTPClient() *http.Client {
	return &http.Client{Transport: readOnlyBodies{awshttp.NewBuildableClient().GetTransport()}}
}

type readOnlyBodies struct{ http.RoundTripper }

func (t readOnlyBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r = r.Clone(r.Context())
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return t.RoundTripper.RoundTrip(r)
}
