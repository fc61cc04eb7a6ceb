// Command syslog is a Sluice transform written without any SDK: a plain
// WASI command that reads the Firehose data-transformation event as JSON on
// standard input, parses each record's data as a syslog line (RFC 3164 or
// RFC 5424) into a JSON object, and writes the Firehose response on
// standard output. Lines that do not parse are ProcessingFailed with the
// reason. It is the example for any language with a WASI target.
package main
