// Package folder is the local-directory destination: an sinks.ObjectStore
// that writes each object as a file under one directory, durably and
// atomically (write a temporary file beside the target, fsync it, rename it
// into place, fsync the directory), so a reader never sees a partial file
// and a crash leaves either the old object or the new one.
//
// # Errors
//
// A key that is empty, absolute, or has an empty, "." or ".." segment is
// refused with ErrInvalidKey. Every other failure is an *Error whose
// Retryable method reports true: a full or briefly unavailable disk may
// recover, and the records wait in JetStream meanwhile. The delivery engine
// tells the two apart with
//
//	var r interface{ Retryable() bool }
//	retry := errors.As(err, &r) && r.Retryable()
//
// # Probe
//
// Probe checks that a folder can hold objects before a delivery stream is
// created: it creates the folder and writes, syncs and removes a probe file
// named like a temporary file (which RemoveTemp deletes after a crash and
// no key can name), so nothing that looks like an object is left. A
// failure is a *sinks.ProbeError, permanent for permission denied, a
// read-only file system or a path through a file.
package folder
