package awsjson

import "net/http"

// Responder is an operation's output that writes its whole HTTP answer
// itself, status and headers included, for as long as it needs: the
// event stream of SubscribeToShard (application/vnd.amazon.eventstream)
// is one. The Mux calls Respond instead of encoding the output, once the
// operation has returned without error, so that refusals before the
// answer starts (validation, a consumer not found) are ordinary errors.
// An output that is also an io.Closer is closed after Respond returns.
type Responder interface {
	Respond(w http.ResponseWriter, r *http.Request)
}
