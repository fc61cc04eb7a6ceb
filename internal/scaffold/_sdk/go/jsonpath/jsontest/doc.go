// Package jsontest makes random JSON documents and field paths for
// differential tests of code that reads JSON without encoding/json (see
// jsonpath.ParseObject): documents mix escapes, control characters,
// invalid UTF-8, U+2028, duplicate keys, whitespace, numbers in every form
// and nesting, and are sometimes damaged or not objects at all.
package jsontest
