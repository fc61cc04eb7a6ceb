// Package rest is Sluice's native REST API, for what the AWS APIs have no
// word for: transform modules (push, list, describe, remove, and a test
// invocation on the server). The CLI is its client.
//
// Routes (Go 1.22 method patterns) under /v1:
//
//	POST   /v1/modules/{name}                       push a module (body: the wasm) -> 201
//	GET    /v1/modules                              list modules
//	GET    /v1/modules/{name}                       describe a module's versions
//	DELETE /v1/modules/{name}                       remove every version
//	DELETE /v1/modules/{name}/versions/{version}    remove one version
//	POST   /v1/modules/{ref}/invoke                 run a Firehose test event through name or name@version
//
// Every error is JSON, {"error": {"code": "...", "message": "..."}}, with
// the status of its kind: 400 for a bad name, reference, module or event,
// 404, 409 when concurrent pushes kept colliding, 413 for a body over its
// limit, 422 when the module fails the batch (the message is the
// runtime's TransformError), 500 otherwise.
//
// Every request body is bounded, and a declared Content-Length over the
// bound is refused before anything is read: a module at the registry's
// MaxSize (modules.DefaultMaxSize, 50 MiB), a test event at
// DefaultMaxEventBytes (6 MiB), a delivery stream definition at
// MaxDefinitionBytes (1 MiB), a stream mode at MaxStreamModeBytes (64 KiB).
// The host's listener also caps how many requests run at once; over the
// cap a /v1 request is answered 503 with the code Unavailable.
package rest
