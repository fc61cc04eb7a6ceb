// Package auth decides who may use a Sluice server: the access keys it
// accepts, the SigV4 signature every API request must carry, what each
// key may do, and which requests a browser may not make.
//
// # Credentials
//
// `sluice serve --credentials FILE` reads keys from a YAML or JSON file
// (unknown fields are refused, and so is a file every user may read):
//
//	keys:
//	  - accessKeyId: AKIAEDGEADMIN0000001         # 16-128 letters, digits, _
//	    secretAccessKey: "…40 random characters…"  # at least 16 characters
//	    name: admin                                # optional; shown in AccessDenied messages
//	  - accessKeyId: AKIAEDGESENSOR000001
//	    secretAccessKey: "…"
//	    name: sensor-01
//	    permissions:                               # optional: without it, a key may do everything
//	      - actions: ["kinesis:PutRecord*", "firehose:PutRecord*"]
//	        resources: ["sensors-*"]               # names or ARNs; left out: "*"
//
// SLUICE_ACCESS_KEY_ID and SLUICE_SECRET_ACCESS_KEY add one key that may
// do everything (see [Load]). With no key at all authentication is off,
// and [CheckExposure] keeps the server on loopback unless
// --insecure-no-auth.
//
// # Signatures
//
// [Guard] checks every request to the Kinesis and Firehose JSON APIs, the
// native REST API (/v1/...) and /metrics (unless --metrics-no-auth)
// before any handler runs. /healthz and /readyz stay open: they say only
// whether the server is up and ready (and which delivery streams fail),
// nothing a key protects. A signature is verified by signing the request
// again with the AWS SDK for Go v2's v4 signer (aws/signer/v4) and the
// key's secret, over the headers the request says it signed and the
// SHA-256 of its body (read once, up to the route's body limit), and
// comparing the two in constant time: there is no SigV4 arithmetic of
// Sluice's own but one case the SDK's signer cannot redo. Over HTTP/2 a
// client may sign the :authority pseudo-header instead of host (the AWS
// SDK for JavaScript v3 does; AWS accepts it); the SDK's signer always
// signs host, so that canonical request is built in authority.go,
// following the signer step by step and tested to give the signer's own
// signature byte for byte when the header is host. A CBOR body is signed
// like any other (the payload hash covers its bytes), and the names it
// acts on are read from it by its protocol. The checks, in order: an
// Authorization header of algorithm AWS4-HMAC-SHA256 with Credential,
// SignedHeaders and Signature; X-Amz-Date within [MaxClockSkew] of the
// server's clock, either way; the credential scope's date, region (the
// server's --region), service and terminator; host (or :authority over
// HTTP/2) and every x-amz-* header of the request signed (so a captured
// request cannot be replayed with another X-Amz-Target); every signed
// header present; a known key; x-amz-content-sha256, when sent, equal to
// the body's hash; then the signature.
//
// The signing service is "kinesis" for X-Amz-Target Kinesis_20131202.*,
// "firehose" for Firehose_20150804.*, and "sluice" for /v1 and /metrics
// ([Sign] signs the CLI's REST calls).
//
// Not accepted: presigned URLs (query-string authentication: no client
// of these APIs uses them), SigV4a, streaming (chunked) payload
// signatures, session tokens (Sluice issues no temporary credentials, so
// a request with X-Amz-Security-Token is UnrecognizedClientException), and
// a signature over content-length: 0 or over a header the SDK's signer
// never signs (User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id),
// which cannot be recomputed with it.
//
// # Errors
//
// Refusals answer as AWS's JSON protocols do, HTTP 400 with
// {"__type", "message"} and X-Amzn-ErrorType (a CBOR map with the same
// members for a CBOR request):
//
//   - MissingAuthenticationTokenException "Request is missing
//     Authentication Token": no Authorization header;
//   - IncompleteSignatureException: a malformed Authorization, a missing
//     X-Amz-Date, an unsigned x-amz-* header;
//   - UnrecognizedClientException "The security token included in the
//     request is invalid.": an unknown access key id;
//   - InvalidSignatureException: a signature that does not match ("The
//     request signature we calculated does not match…"), "Signature
//     expired: … is now earlier than … (… - 15 min.)", "Signature not yet
//     current: … is still later than … (… + 15 min.)", "Credential should
//     be scoped to a valid region, not '…'. ", "Credential should be
//     scoped to correct service: 'kinesis'. ";
//   - AccessDeniedException "User: arn:aws:iam::ACCOUNT:user/NAME is not
//     authorized to perform: ACTION on resource: ARN because no
//     identity-based policy allows the ACTION action".
//
// The native REST API and /metrics use the same names in their own shape,
// {"error": {"code", "message"}}, with 401 for a request that is not
// authenticated (and WWW-Authenticate: AWS4-HMAC-SHA256), 403 for
// AccessDeniedException and 413 for a body over its limit. An unknown key
// is told apart from a wrong secret, as AWS tells them apart; nothing
// else about keys is revealed, and no secret is ever logged or shown.
//
// # Permissions
//
// A [Grant] allows actions on resources, like an IAM policy statement
// with Effect Allow; a key may do what one of its grants allows. Actions
// are "service:Operation" with IAM's wildcards, matched without regard to
// case:
//
//   - kinesis: every operation of the Kinesis API (kinesis:PutRecord,
//     kinesis:GetRecords, kinesis:DescribeStream, …), on the stream it
//     names (StreamName, StreamARN, the stream a GetRecords iterator or a
//     ListShards NextToken reads, the stream of a consumer ARN); ListStreams,
//     DescribeLimits and the account settings on "*";
//   - firehose: every operation of the Firehose API, on the delivery
//     stream; ListDeliveryStreams on "*". CreateDeliveryStream of a
//     KinesisStreamAsSource also needs kinesis:GetRecords on the source
//     stream, which the delivery stream will read for its creator;
//   - sluice: the native REST API: sluice:PushModule, ListModules ("*"),
//     DescribeModule, DeleteModule, InvokeModule (on the module);
//     sluice:ApplyDeliveryStream (also kinesis:GetRecords on its source
//     stream), ListDeliveryStreams ("*"; it shows every definition),
//     DescribeDeliveryStream, DeleteDeliveryStream (on the delivery
//     stream); sluice:UpdateStreamMode (on the stream); sluice:GetMetrics
//     ("*"); sluice:DescribeCluster ("*"); sluice:CreateMirror ("*": the
//     mirror is named in the body) and sluice:DescribeMirror (on the
//     mirror stream).
//
// A resource is a name with wildcards ("sensors-*": streams, delivery
// streams and modules so named) or an ARN with wildcards:
// arn:aws:kinesis:REGION:ACCOUNT:stream/NAME,
// arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME, and
// arn:aws:lambda:REGION:ACCOUNT:function:NAME for a module (the ARN a
// Firehose processor already names modules by). An action on "*" is
// allowed only by a grant on "*". Examples: a producer,
// {actions: [kinesis:PutRecord*], resources: [sensors-*]}; read only,
// {actions: [kinesis:Get*, kinesis:Describe*, kinesis:List*]}; module
// admin, {actions: ["sluice:*Module*"]}. A grant whose action matches no
// action is refused when the file is read.
//
// # Browsers
//
// [BrowserGuard] refuses, with AccessDeniedException (HTTP 403) and no
// CORS headers, a Host that is not one of the server's names (DNS
// rebinding), an Origin other than the server's own, and Sec-Fetch-Site
// cross-site or same-site, with or without keys: a web page cannot drive
// the API through a cross-site POST. SDKs and CLIs send none of these.
package auth
