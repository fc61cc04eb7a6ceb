package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Enhanced fan-out consumers, Kinesis's limits.
const (
	// MaxConsumers is the most consumers one stream may have registered.
	MaxConsumers = 20
	// MaxConsumerNameLen is the longest consumer name.
	MaxConsumerNameLen = 128
	// MaxConsumerARNLen is the longest consumer ARN Kinesis accepts.
	MaxConsumerARNLen = 2048
	// ConsumerTransition is how long a registered consumer is CREATING
	// before it is ACTIVE, and a deregistered one DELETING before it is
	// gone (AWS takes several seconds for each; clients poll
	// DescribeStreamConsumer until ACTIVE).
	ConsumerTransition = time.Second
	// consumersPrefix starts the KV key (in the definitions bucket) that
	// holds one stream's consumers.
	consumersPrefix = "consumers."
)

// ConsumerStatus is a consumer's lifecycle state, as Kinesis names it.
type ConsumerStatus string

// Consumer statuses: a consumer is CREATING for ConsumerTransition after
// its registration, then ACTIVE; once deregistered it is DELETING for
// ConsumerTransition, then gone. Only an ACTIVE consumer subscribes.
const (
	ConsumerCreating ConsumerStatus = "CREATING"
	ConsumerActive   ConsumerStatus = "ACTIVE"
	ConsumerDeleting ConsumerStatus = "DELETING"
)

// Consumer is an enhanced fan-out consumer of a stream.
type Consumer struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Status is the status when the consumer was read (statusAt); the
	// stored value is not used.
	Status ConsumerStatus `json:"status"`
	// Deleting is when the consumer was deregistered (zero: it was not).
	Deleting time.Time `json:"deleting,omitzero"`
	// Tags are the tags given at registration.
	Tags map[string]string `json:"tags,omitempty"`
	// Stream is the stream's name (not stored: the key says it).
	Stream string `json:"-"`
}

// statusAt is c's status at now, from its registration and
// deregistration times.
func (c Consumer) statusAt(now time.Time) ConsumerStatus {
	switch {
	case !c.Deleting.IsZero():
		return ConsumerDeleting
	case now.Before(c.Created.Add(ConsumerTransition)):
		return ConsumerCreating
	}
	return ConsumerActive
}

// goneAt reports whether c, deregistered, is gone by now.
func (c Consumer) goneAt(now time.Time) bool {
	return !c.Deleting.IsZero() && !now.Before(c.Deleting.Add(ConsumerTransition))
}

// consumerSet is what the KV key of a stream's consumers holds: the
// consumers of the stream with that identity. A set left by a deleted
// stream of the same name (its ID differs) is empty for the new one.
type consumerSet struct {
	StreamID  uint64     `json:"streamId"`
	Consumers []Consumer `json:"consumers"`
}

func consumersKey(stream string) string {
	return consumersPrefix + strings.ReplaceAll(stream, ".", "=")
}

// ValidateConsumerName checks a consumer name against Kinesis's
// constraints: 1 to 128 characters from [a-zA-Z0-9_.-].
func ValidateConsumerName(name string) error {
	if len(name) < 1 || len(name) > MaxConsumerNameLen {
		return validationf(name, "consumerName", fmt.Sprintf("Member must have length between 1 and %d", MaxConsumerNameLen))
	}
	if !validNameChars(name) {
		return validationf(name, "consumerName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	return nil
}

// consumerARNPattern is Kinesis's pattern for a ConsumerARN.
var consumerARNPattern = regexp.MustCompile(`^arn:aws.*:kinesis:.*:\d{12}:.*stream/[a-zA-Z0-9_.-]+/consumer/[a-zA-Z0-9_.-]+:[0-9]+$`)

// ConsumerRef is what a consumer ARN names.
type ConsumerRef struct {
	Stream, Consumer string
	// Created is the consumer's creation time in epoch seconds.
	Created int64
}

// ParseConsumerARN reads a consumer ARN,
// arn:aws:kinesis:REGION:ACCOUNT:stream/NAME/consumer/CONSUMER:EPOCH.
// field names the request field in a ValidationException.
func ParseConsumerARN(field, arn string) (ConsumerRef, error) {
	if len(arn) < 1 || len(arn) > MaxConsumerARNLen {
		return ConsumerRef{}, validationf(arn, field, fmt.Sprintf("Member must have length between 1 and %d", MaxConsumerARNLen))
	}
	if !consumerARNPattern.MatchString(arn) {
		return ConsumerRef{}, validationf(arn, field, `Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+`)
	}
	i := strings.LastIndex(arn, "/consumer/")
	head, tail := arn[:i], arn[i+len("/consumer/"):]
	stream := head[strings.LastIndex(head, "stream/")+len("stream/"):]
	j := strings.LastIndex(tail, ":")
	created, err := strconv.ParseInt(tail[j+1:], 10, 64)
	if err != nil {
		created = -1 // names no consumer
	}
	ref := ConsumerRef{Stream: stream, Consumer: tail[:j], Created: created}
	if ValidateName(ref.Stream) != nil || ValidateConsumerName(ref.Consumer) != nil {
		return ConsumerRef{}, validationf(arn, field, "Member must satisfy regular expression pattern: a stream name and a consumer name of 1 to 128 characters")
	}
	return ref, nil
}

// ConsumerARN is the ARN of c, as Kinesis forms it.
func (e *Engine) ConsumerARN(c Consumer) string {
	return fmt.Sprintf("%s/consumer/%s:%d", e.ARN(c.Stream), c.Name, c.Created.Unix())
}

func (e *Engine) consumerNotFound(what string) error {
	return errorf(ErrNotFound, "Consumer %s under account %s not found.", what, e.cfg.AccountID)
}

// loadConsumers reads the consumers of stream s (the set's KV revision
// is 0 when the key does not exist).
func (e *Engine) loadConsumers(ctx context.Context, s *Stream) ([]Consumer, uint64, error) {
	entry, err := e.kv.Get(ctx, consumersKey(s.Name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("consumers of %s: %w", s.Name, err)
	}
	var set consumerSet
	if err := json.Unmarshal(entry.Value(), &set); err != nil {
		return nil, 0, fmt.Errorf("consumers of %s: %w", s.Name, err)
	}
	if set.StreamID != s.ID {
		return nil, entry.Revision(), nil // left by a deleted stream of that name
	}
	now := e.now()
	cs := set.Consumers[:0]
	for _, c := range set.Consumers {
		if c.goneAt(now) {
			continue // dropped from the set at its next write
		}
		c.Stream, c.Status = s.Name, c.statusAt(now)
		cs = append(cs, c)
	}
	return cs, entry.Revision(), nil
}

// updateConsumers applies fn to the consumers of an ACTIVE (or UPDATING)
// stream with compare-and-set, retrying when another writer got there
// first.
func (e *Engine) updateConsumers(ctx context.Context, stream string, fn func(s *Stream, cs []Consumer) ([]Consumer, error)) error {
	for range maxCASRetries {
		s, err := e.loadActive(ctx, stream)
		if err != nil {
			return err
		}
		cs, rev, err := e.loadConsumers(ctx, s)
		if err != nil {
			return err
		}
		next, err := fn(s, cs)
		if err != nil {
			return err
		}
		data, err := json.Marshal(consumerSet{StreamID: s.ID, Consumers: next})
		if err != nil {
			return err
		}
		if err := e.storageErr(); err != nil {
			return StorageFailed(err)
		}
		if rev == 0 {
			_, err = e.kv.Create(ctx, consumersKey(stream), data)
		} else {
			_, err = e.kv.Update(ctx, consumersKey(stream), data, rev)
		}
		if err == nil {
			return nil
		}
		if !isCASConflict(err) {
			if serr := StorageError(err); serr != nil {
				return serr
			}
			return fmt.Errorf("consumers of %s: %w", stream, err)
		}
	}
	return errorf(ErrInUse, "The consumers of stream %s are being changed concurrently; retry.", stream)
}

// RegisterConsumer registers an enhanced fan-out consumer of a stream.
// It is CREATING, and ACTIVE ConsumerTransition later: clients wait for
// ACTIVE by polling DescribeStreamConsumer, as on AWS. A consumer that is
// still DELETING holds its name and counts against MaxConsumers.
func (e *Engine) RegisterConsumer(ctx context.Context, stream, name string, tags map[string]string) (Consumer, error) {
	if err := ValidateName(stream); err != nil {
		return Consumer{}, err
	}
	if err := ValidateConsumerName(name); err != nil {
		return Consumer{}, err
	}
	if len(tags) > 0 { // the API's Tags are optional
		if err := ValidateTags(tags); err != nil {
			return Consumer{}, err
		}
		if len(tags) > MaxTags {
			return Consumer{}, errorf(ErrInvalidArgument, "A consumer cannot have more than %d tags associated with it.", MaxTags)
		}
	}
	var out Consumer
	err := e.updateConsumers(ctx, stream, func(s *Stream, cs []Consumer) ([]Consumer, error) {
		if slices.ContainsFunc(cs, func(c Consumer) bool { return c.Name == name }) {
			return nil, errorf(ErrInUse, "Consumer %s of stream %s under account %s already exists.", name, stream, e.cfg.AccountID)
		}
		if len(cs) >= MaxConsumers {
			return nil, errorf(ErrLimitExceeded, "Stream %s under account %s has %d registered consumers, the limit.", stream, e.cfg.AccountID, MaxConsumers)
		}
		out = Consumer{Name: name, Created: e.now().UTC().Truncate(time.Millisecond), Status: ConsumerCreating, Tags: tags, Stream: stream}
		return append(cs, out), nil
	})
	if err != nil {
		return Consumer{}, err
	}
	e.log.Info("consumer registered", "stream", stream, "consumer", name)
	return out, nil
}

// Consumers lists the consumers of a stream in registration order, with
// the stream's definition (shared: read it, never modify it).
func (e *Engine) Consumers(ctx context.Context, stream string) (*Stream, []Consumer, error) {
	if err := ValidateName(stream); err != nil {
		return nil, nil, err
	}
	s, _, err := e.load(ctx, stream)
	if err != nil {
		return nil, nil, err
	}
	cs, _, err := e.loadConsumers(ctx, s)
	return s, cs, err
}

// ConsumerCount is how many consumers a stream has registered.
func (e *Engine) ConsumerCount(ctx context.Context, stream string) (int, error) {
	_, cs, err := e.Consumers(ctx, stream)
	return len(cs), err
}

// DescribeConsumer finds a consumer by stream and name.
func (e *Engine) DescribeConsumer(ctx context.Context, stream, name string) (Consumer, error) {
	if err := ValidateConsumerName(name); err != nil {
		return Consumer{}, err
	}
	_, cs, err := e.Consumers(ctx, stream)
	if err != nil {
		return Consumer{}, err
	}
	for _, c := range cs {
		if c.Name == name {
			return c, nil
		}
	}
	return Consumer{}, e.consumerNotFound(name + " of stream " + stream)
}

// ConsumerByARN finds the consumer an ARN names: its stream and name, and
// its creation time (a consumer registered again under the same name has
// another ARN).
func (e *Engine) ConsumerByARN(ctx context.Context, ref ConsumerRef, arn string) (Consumer, error) {
	c, err := e.DescribeConsumer(ctx, ref.Stream, ref.Consumer)
	if errors.Is(err, ErrNotFound) || err == nil && c.Created.Unix() != ref.Created {
		return Consumer{}, e.consumerNotFound(arn)
	}
	return c, err
}

// DeregisterConsumer removes a consumer: it is DELETING for
// ConsumerTransition, then gone; its subscriptions end with ErrNotFound
// within a second (subscribe.go). A consumer that is not ACTIVE is
// refused with ErrInUse.
func (e *Engine) DeregisterConsumer(ctx context.Context, stream, name string, created *int64) error {
	if err := ValidateConsumerName(name); err != nil {
		return err
	}
	err := e.updateConsumers(ctx, stream, func(_ *Stream, cs []Consumer) ([]Consumer, error) {
		i := slices.IndexFunc(cs, func(c Consumer) bool {
			return c.Name == name && (created == nil || c.Created.Unix() == *created)
		})
		if i < 0 {
			return nil, e.consumerNotFound(name + " of stream " + stream)
		}
		if cs[i].Status != ConsumerActive {
			return nil, errorf(ErrInUse, "Consumer %s of stream %s under account %s is %s, not ACTIVE.", name, stream, e.cfg.AccountID, cs[i].Status)
		}
		cs[i].Deleting = e.now().UTC()
		return cs, nil
	})
	if err != nil {
		return err
	}
	e.dropLeases(ctx, leasePrefix(stream, name))
	e.log.Info("consumer deregistered", "stream", stream, "consumer", name)
	return nil
}

// subscribable checks that the consumer arn names exists and is ACTIVE:
// ErrNotFound when it does not exist, ErrInUse while it is CREATING or
// DELETING.
func (e *Engine) subscribable(ctx context.Context, ref ConsumerRef, arn string) error {
	c, err := e.ConsumerByARN(ctx, ref, arn)
	if err != nil {
		return err
	}
	if c.Status != ConsumerActive {
		return errorf(ErrInUse, "Consumer %s is %s, not ACTIVE.", arn, c.Status)
	}
	return nil
}

// dropConsumers removes the consumers of a deleted stream and the leases
// of their subscriptions, best effort: a set left behind belongs to the
// old stream's identity, which no later stream has.
func (e *Engine) dropConsumers(ctx context.Context, stream string) {
	if err := e.kv.Purge(ctx, consumersKey(stream)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		e.log.Warn("dropping the consumers of a deleted stream", "stream", stream, "err", err)
	}
	e.dropLeases(ctx, leasePrefix(stream, ""))
}

// Now is the engine's clock (Config.Now): the time consumer list tokens
// are issued and checked against.
func (e *Engine) Now() time.Time { return e.now() }
