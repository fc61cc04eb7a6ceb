package delivery

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sluice-io/sluice/sinks/keys"
)

// naming holds a delivery stream's parsed prefixes and names its objects.
// Every name derives from the batch's source positions and the arrival
// times of its records, so a batch replayed after a crash gets the same
// keys and overwrites its objects instead of duplicating them.
type naming struct {
	stream  string
	data    *keys.Prefix
	errors  *keys.Prefix
	backup  *keys.Prefix
	version int
}

func newNaming(def *Definition) (*naming, error) {
	n := &naming{stream: def.Name, version: def.Version}
	var err error
	if n.data, err = keys.ParsePrefix(def.Destination.Prefix); err != nil {
		return nil, err
	}
	if n.errors, err = keys.ParseErrorPrefix(def.Destination.ErrorPrefix); err != nil {
		return nil, err
	}
	if def.Backup != nil {
		if n.backup, err = keys.ParsePrefix(def.Backup.Prefix); err != nil {
			return nil, err
		}
		if n.backup.Partitioned() {
			return nil, fmt.Errorf("backup prefix %q may not use partition keys", def.Backup.Prefix)
		}
	}
	return n, nil
}

// checkPrefixes validates d's prefixes: they parse, every query key has a
// query, and Lambda keys come with a processor.
func checkPrefixes(d *Destination, hasProcessor bool) error {
	data, err := keys.ParsePrefix(d.Prefix)
	if err != nil {
		return err
	}
	if _, err := keys.ParseErrorPrefix(d.ErrorPrefix); err != nil {
		return err
	}
	for _, k := range data.QueryKeys() {
		if _, ok := d.PartitionQueries[k]; !ok {
			return fmt.Errorf("prefix uses !{partitionKeyFromQuery:%s} but partitionQueries has no %q", k, k)
		}
	}
	if len(data.LambdaKeys()) > 0 && !hasProcessor {
		return fmt.Errorf("prefix uses !{partitionKeyFromLambda:%s} but there is no processor", data.LambdaKeys()[0])
	}
	return nil
}

// span is what names one object: the source positions of its batch, the
// generation of the source stream they are positions in, and the arrival
// time of its oldest record.
type span struct {
	first, last uint64
	gen         int
	// part is the part of a grouped source the positions are in (0 for
	// any other source): each part counts its own.
	part   int
	oldest time.Time
}

func (n *naming) name(s span, ext string) keys.Name {
	return keys.Name{
		Stream: n.stream, Version: n.version, Time: s.oldest,
		First: strconv.FormatUint(s.first, 10), Last: strconv.FormatUint(s.last, 10), Generation: s.gen, Part: s.part, Ext: ext,
	}
}

// random is the batch's !{firehose:random-string}: derived from its
// first position, so a replay renders the same prefix.
func (n *naming) random(s span) string {
	seed := n.stream + "/" + strconv.FormatUint(s.first, 10)
	if s.gen > 0 {
		seed += "/" + strconv.Itoa(s.gen)
	}
	if s.part > 0 {
		seed += "/p" + strconv.Itoa(s.part)
	}
	return keys.RandomFrom(seed)
}

// dataKey names a data object of the partition with the given keys.
func (n *naming) dataKey(s span, query, lambda map[string]string, ext string) (string, error) {
	prefix, err := n.data.Render(keys.Values{Time: s.oldest, QueryKeys: query, LambdaKeys: lambda, Random: n.random(s)})
	if err != nil {
		return "", err
	}
	return keys.Key(prefix, n.name(s, ext))
}

// errorKey names the error object of one error output type.
func (n *naming) errorKey(s span, errType string) (string, error) {
	prefix, err := n.errors.Render(keys.Values{Time: s.oldest, ErrorType: errType, Random: n.random(s)})
	if err != nil {
		return "", err
	}
	return keys.Key(prefix, n.name(s, ".json"))
}

// backupKey names the backup object of a batch.
func (n *naming) backupKey(s span) (string, error) {
	prefix, err := n.backup.Render(keys.Values{Time: s.oldest, Random: n.random(s)})
	if err != nil {
		return "", err
	}
	return keys.Key(prefix, n.name(s, ".json"))
}
