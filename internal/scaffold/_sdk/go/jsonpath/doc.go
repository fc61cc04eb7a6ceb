// Package jsonpath reads and edits JSON objects by dotted field paths
// ("sensor.site"), keeping numbers exactly as written: the small toolkit the
// ready-made transforms share. It is standard library only, like the rest of
// the SDK.
//
// It has two ways in. [DecodeObject] and [EncodeObject] go through
// encoding/json and map[string]any, with [Path.Get], [Path.Set] and
// [Path.Remove] on the map. [ParseObject] scans the bytes instead and
// builds no maps: an [Object] keeps each value as the bytes it was written
// as until a path reaches into it, and [Object.AppendJSON] writes exactly
// what EncodeObject would (compact, keys sorted at every level, the last of
// duplicate keys kept, no HTML escaping). ParseObject refuses, with
// [ErrNeedsDecoder], everything it does not reproduce byte for byte
// (invalid JSON, escapes, control characters or invalid UTF-8 in strings,
// U+2028/U+2029, very deep nesting), so the usual pattern is: try
// ParseObject, and on an error take the map path, which then gives the
// answer or the error encoding/json gives. transforms/project does this;
// its differential test and fuzz target compare the two paths.
package jsonpath
