// Package awscbor is the wire codec of the AWS CBOR 1.1 protocol
// (Content-Type application/x-amz-cbor-1.1): the binary twin of AWS JSON
// 1.1 that the AWS SDKs for Java (v1 and v2) use for Kinesis by default,
// and so the Kinesis Client Library and the Flink and Spark connectors
// built on them. It decodes request bodies into the same Go structs as
// JSON (their json struct tags name the members) and encodes answers;
// host/awsjson chooses between the two by Content-Type.
//
// # The format, as the Java SDKs write and read it
//
// Checked in the source of the AWS SDK for Java v2 (protocols.cbor's
// AwsCborProtocolFactory and SdkCborGenerator over Jackson's
// CBORGenerator 2.15, protocols.json's JsonProtocolMarshaller and
// JsonUnmarshallingParser) and v1 (protocol.json.SdkCborGenerator,
// SimpleTypeCborUnmarshallers):
//
//   - a structure is a CBOR map keyed by member name (text strings); the
//     Java SDK writes indefinite-length maps and arrays (0xbf … 0xff,
//     0x9f … 0xff), members in model order, absent members left out;
//   - blobs (Data) are CBOR byte strings, not base64 text;
//   - timestamps are CBOR tag 1 around an integer of epoch
//     MILLISECONDS (writeTag(1); writeNumber(instant.toEpochMilli())),
//     not the seconds RFC 8949 gives tag 1; the SDK reads a timestamp back
//     with Long.parseLong / getLongValue, so an answer's timestamps must be
//     integers;
//   - integer and long members are CBOR integers (the SDK's reader
//     expects VALUE_NUMBER_INT), booleans are CBOR true and false;
//   - errors are maps with "__type" and "message", as in JSON, with the
//     HTTP status of JSON and the X-Amzn-ErrorType header.
//
// Decoding accepts definite and indefinite lengths, refuses a map with a
// key twice (so host/auth and the operations can never read different
// names from one body), matches member names exactly (as the SDKs write
// them), ignores unknown members, and reads timestamps as epoch
// milliseconds, tagged or not, integer or float. Encoding writes
// definite lengths and the shortest integer heads. Blobs decoded are
// copies; nothing in a decoded value refers to the request body.
package awscbor
