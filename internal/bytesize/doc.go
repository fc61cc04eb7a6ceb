// Package bytesize reads and writes sizes in bytes as Sluice's flags take
// them ("512MiB", "20GiB", "10G", "1.5TB"), so that every size flag
// (`--max-store`, `--memory-limit`) parses with one table of units.
package bytesize
