// Package sinks holds what a delivery stream writes with: encoders (JSON
// lines, Parquet) and compression in sinks/format, object naming in
// sinks/keys, and destinations (sinks/folder, sinks/s3, sinks/httpdest).
// This package declares the small interfaces they share, and ProbeError:
// each destination can be probed (folder.Probe, s3 Store.Probe, httpdest
// Client.Probe) before anything is delivered, and a ProbeError says
// whether the failure is permanent (the destination answered that it
// cannot take objects) or may clear by itself.
package sinks
