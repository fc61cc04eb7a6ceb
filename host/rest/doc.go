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
package rest
