// Package jsonpath reads and edits JSON objects by dotted field paths
// ("sensor.site"), keeping numbers exactly as written: the small toolkit the
// ready-made transforms share. It is standard library only, like the rest of
// the SDK.
package jsonpath
