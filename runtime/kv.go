package runtime

import (
	"context"
	"errors"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/tetratelabs/wazero/api"
)

// kv_get return codes (sdk/ABI.md).
const (
	kvNotFound   = -1
	kvNotGranted = -2
	kvFailed     = -3
)

// kvReader reads JetStream key-value buckets for kv_get, keeping one
// handle per bucket.
type kvReader struct {
	js      jetstream.JetStream
	mu      sync.Mutex
	buckets map[string]jetstream.KeyValue
}

func newKVReader(js jetstream.JetStream) *kvReader {
	return &kvReader{js: js, buckets: make(map[string]jetstream.KeyValue)}
}

func (k *kvReader) bucket(ctx context.Context, name string) (jetstream.KeyValue, error) {
	k.mu.Lock()
	kv := k.buckets[name]
	k.mu.Unlock()
	if kv != nil {
		return kv, nil
	}
	kv, err := k.js.KeyValue(ctx, name)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.buckets[name] = kv
	k.mu.Unlock()
	return kv, nil
}

func (k *kvReader) forget(name string) {
	k.mu.Lock()
	delete(k.buckets, name)
	k.mu.Unlock()
}

// get returns the current value of key in bucket, or a negative kv_get code.
func (k *kvReader) get(ctx context.Context, bucket, key string) ([]byte, int32) {
	if k.js == nil {
		return nil, kvFailed
	}
	kv, err := k.bucket(ctx, bucket)
	if err != nil {
		return nil, kvFailed
	}
	e, err := kv.Get(ctx, key)
	switch {
	case err == nil:
		return e.Value(), 0
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted),
		errors.Is(err, jetstream.ErrInvalidKey):
		return nil, kvNotFound
	default:
		k.forget(bucket) // the bucket may have been deleted; look it up afresh next time
		return nil, kvFailed
	}
}

// kvGet is sluice.kv_get(bucket_ptr, bucket_len, key_ptr, key_len, out_ptr, out_cap).
func (r *Runtime) kvGet(ctx context.Context, mod api.Module, stack []uint64) {
	s := stateOf(ctx)
	bucket := string(read(mod, "kv_get", api.DecodeU32(stack[0]), api.DecodeU32(stack[1])))
	key := string(read(mod, "kv_get", api.DecodeU32(stack[2]), api.DecodeU32(stack[3])))
	outPtr, outCap := api.DecodeU32(stack[4]), api.DecodeU32(stack[5])
	if _, ok := s.m.buckets[bucket]; !ok {
		stack[0] = api.EncodeI32(kvNotGranted)
		return
	}
	val, code := r.kv.get(ctx, bucket, key)
	if code < 0 {
		stack[0] = api.EncodeI32(code)
		return
	}
	if uint64(len(val)) <= uint64(outCap) && len(val) > 0 {
		if !mod.Memory().Write(outPtr, val) {
			panic(errOutside("kv_get", outPtr, uint32(len(val)), mod))
		}
	}
	stack[0] = api.EncodeI32(int32(len(val)))
}
