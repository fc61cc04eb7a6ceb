// Package deps pins the project's third-party modules in go.mod while the
// packages that use them are written in parallel; it is deleted once every
// module here has a real importer.
package deps
