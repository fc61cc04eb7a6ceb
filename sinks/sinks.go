package sinks

import "context"

// Object is one file a delivery writes.
type Object struct {
	// Key is the object's full name: prefix, partition path and file name,
	// "/"-separated, as S3 names it.
	Key string
	// Body is the whole object, already encoded and compressed.
	Body []byte
	// ContentType and ContentEncoding describe Body ("application/x-parquet",
	// "application/x-ndjson"; "gzip" or "").
	ContentType     string
	ContentEncoding string
}

// ObjectStore stores objects: a local folder or S3-compatible storage.
//
// Put returns nil only once the object is durable (fsynced and renamed into
// place for a folder; a completed upload for S3). Putting a key again replaces
// the object whole, so a delivery replayed after a crash rewrites the same
// object instead of adding a duplicate. A reader never sees a partial object.
type ObjectStore interface {
	Put(ctx context.Context, obj Object) error
	// String names the store for logs and errors ("folder /data/out",
	// "s3://bucket at http://127.0.0.1:9000").
	String() string
}
