// Package modules is the module registry: transform modules (WebAssembly)
// stored as immutable, numbered versions in a JetStream object store.
//
// A push is checked before anything is stored: the name must look like a
// Lambda function name ([A-Za-z0-9_-]{1,64}), the module must fit the size
// limit, and the runtime must compile it and recognise its ABI
// ([runtime.Runtime.Inspect]). A module that passes gets the next version
// of its name (1, 2, 3, ...), claimed with a compare-and-set on a per-name
// counter in a key-value bucket, so two concurrent pushes never share a
// number and a stored version is never overwritten.
//
// Version numbers are never reused, not even after the version (or the
// whole module) is removed: a reference such as csv@3 names one module for
// the life of the registry, which lets callers cache loaded modules by
// reference.
//
// A reference is "name" (the newest version) or "name@version".
package modules
