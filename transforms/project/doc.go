// Command project is a Sluice transform that keeps chosen fields of JSON
// records and renames fields. Parameters: FIELDS (comma-separated fields to
// keep, dotted paths reach into nested objects; empty keeps every field) and
// RENAME (old:new pairs, comma-separated, applied after the projection).
// A record that is not a JSON object is ProcessingFailed.
//
// Records are read with jsonpath.ParseObject, which scans the bytes and
// builds no maps; a record it leaves to encoding/json (escapes in strings,
// invalid JSON, ...) takes the map path, with the same output or error.
package main
