// Package keys names the objects a delivery stream writes, as Firehose
// names them: a prefix with !{namespace:value} expressions (ParsePrefix,
// ParseErrorPrefix, Prefix.Render) followed by a file name that carries the
// delivery stream's name and version, the batch's time and its source
// positions (ObjectName).
//
// # Prefix rules implemented
//
// Expressions: !{timestamp:PATTERN} (a Java DateTimeFormatter pattern with
// the letters yyyy, yy, MM, M, dd, d, HH, H, mm, m, ss, s, quoted 'literal'
// text and any non-letter character), !{firehose:random-string},
// !{firehose:error-output-type} (error prefixes only),
// !{partitionKeyFromQuery:KEY} and !{partitionKeyFromLambda:KEY}
// (data prefixes only).
//
// As in Firehose: an empty prefix is DefaultPrefix; a data prefix with no
// timestamp expression and no partition key expression (dynamic
// partitioning off) gets "!{timestamp:yyyy/MM/dd/HH}/" appended, literally
// (so "logs" renders as "logs2024/…": end a prefix with "/" to make it a
// folder); "!{" may appear only as the start of an expression. An error
// prefix that uses any expression must use !{firehose:error-output-type};
// an error prefix with no expression gets
// "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/" appended.
// Every timestamp in one key is the same instant: the arrival time, in UTC,
// of the oldest record in the object. A rendered prefix longer than
// MaxPrefixLen (512, AWS's limit) is an error.
//
// Partition key values are escaped so a record cannot leave its prefix:
// "/", "\", "%" and control characters become %XX, and a value of "." or
// ".." has its dots escaped. A missing or empty partition key is an error
// (Firehose sends such a record to the error output).
//
// # Object names
//
// ObjectName gives "<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<first>-<last><ext>".
// Firehose ends its names with a random UUID; Sluice ends them with the
// first and last source positions of the batch instead, so a batch replayed
// after a crash gets exactly the name it had before and overwrites the
// object instead of adding a duplicate. Decimal positions are zero-padded to
// 20 digits so names sort in delivery order.
package keys
