package keys

import (
	"fmt"
	"strings"
	"time"
)

// positionWidth is the width decimal source positions are padded to, the
// width of Sluice's sequence numbers.
const positionWidth = 20

// Name is what an object's file name is made of.
type Name struct {
	// Stream is the delivery stream's name.
	Stream string
	// Version is the delivery stream's version (Firehose's VersionId).
	Version int
	// Time is the arrival time of the oldest record in the object (UTC).
	Time time.Time
	// First and Last are the source positions of the batch's first and
	// last records (for example sequence numbers).
	First, Last string
	// Generation tells apart the sources the positions are in when a
	// source's positions started again (a stream deleted and created
	// again): 0 for the first, which adds nothing to the name.
	Generation int
	// Part tells apart the sources of one stream read on their own (the
	// parts of a data stream with shard groups), whose positions overlap:
	// 0 for the first, which adds nothing to the name.
	Part int
	// Ext is the file extension with its dot (".parquet", ".json.gz"), or "".
	Ext string
}

// ObjectName returns
// "<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<first>-<last><ext>", with
// "-p<part>" before the extension for a part above 0 and
// "-s<generation>" for a generation above 0.
// It has no random part: the same batch always gets the same name, so a
// replay after a crash overwrites rather than duplicates (Firehose uses a
// random UUID here and is at-least-once). Decimal positions are padded to
// 20 digits so names sort in delivery order; other positions are escaped
// with Escape.
func ObjectName(n Name) (string, error) {
	if n.Stream == "" || n.First == "" || n.Last == "" {
		return "", fmt.Errorf("%w: object name needs a stream and first and last positions", ErrBadKey)
	}
	if strings.Contains(n.Ext, "/") {
		return "", fmt.Errorf("%w: extension %q contains /", ErrBadKey, n.Ext)
	}
	if n.Generation < 0 {
		return "", fmt.Errorf("%w: generation %d < 0", ErrBadKey, n.Generation)
	}
	if n.Part < 0 {
		return "", fmt.Errorf("%w: part %d < 0", ErrBadKey, n.Part)
	}
	gen := ""
	if n.Part > 0 {
		gen = fmt.Sprintf("-p%d", n.Part)
	}
	if n.Generation > 0 {
		gen += fmt.Sprintf("-s%d", n.Generation)
	}
	return fmt.Sprintf("%s-%d-%s-%s-%s%s%s", Escape(n.Stream), n.Version,
		n.Time.UTC().Format("2006-01-02-15-04-05"), position(n.First), position(n.Last), gen, n.Ext), nil
}

// Key joins a rendered prefix and an object name.
func Key(prefix string, n Name) (string, error) {
	name, err := ObjectName(n)
	if err != nil {
		return "", err
	}
	return prefix + name, nil
}

func position(p string) string {
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return Escape(p)
		}
	}
	if len(p) < positionWidth {
		return strings.Repeat("0", positionWidth-len(p)) + p
	}
	return p
}
