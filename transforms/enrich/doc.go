// Command enrich is a Sluice transform that enriches JSON records from a
// lookup table kept in a JetStream key-value bucket. Parameters: BUCKET
// (the bucket), KEY_FIELD (the field whose value is the lookup key),
// TARGET_FIELD (where the looked-up JSON value goes) and ON_MISSING (keep,
// fail or drop a record whose key is not in the table; default keep).
// Dotted paths reach into nested objects in both fields.
package main
