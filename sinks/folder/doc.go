// Package folder is the local-directory destination: an sinks.ObjectStore
// that writes each object as a file under one directory, durably and
// atomically (write a temporary file beside the target, fsync it, rename it
// into place, fsync the directory), so a reader never sees a partial file
// and a crash leaves either the old object or the new one.
//
// # Confinement
//
// A Store is confined to a root directory (its own folder, or the one
// WithRoot names, such as the server's output root): every file
// operation goes through an os.Root, which resolves each path one
// component at a time with openat and refuses one that leaves the root,
// through ".." or a symbolic link. A link made after the store (an
// attacker swapping a partition directory for a link to /etc between two
// writes) is refused at the write, not only when the store is made: such
// a Put fails ("path escapes from parent"), retryably, and writes nothing.
// Links that stay inside the root are followed.
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
