package natsd

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	keyA   = "0123456789abcdef0123456789abcdef-key-A"
	keyB   = "fedcba9876543210fedcba9876543210-key-B"
	marker = "MARKER-7f3c9a-plaintext-must-not-reach-the-disk"
)

// store writes the marker into a stream, a KV bucket and an object store
// of a server on dir, started with enc.
func store(t *testing.T, dir string, enc Encryption) {
	t.Helper()
	s, err := Start(Config{DataDir: dir, Encryption: enc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	nc, err := s.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "DATA", Subjects: []string{"data.>"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := js.Publish(ctx, "data.x", []byte(marker+" record "+string(rune('a'+i%26)))); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "defs"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "def.x", []byte(`{"secretAccessKey":"`+marker+`"}`)); err != nil {
		t.Fatal(err)
	}
	obj, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "mods"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obj.PutBytes(ctx, "m", []byte(marker+" module")); err != nil {
		t.Fatal(err)
	}
	// A consumer's state is encrypted too.
	c, err := js.CreateOrUpdateConsumer(ctx, "DATA", jetstream.ConsumerConfig{Durable: "reader", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(3)
	if err != nil {
		t.Fatal(err)
	}
	for m := range msgs.Messages() {
		// DoubleAck waits for the server to take the ack: a plain Ack
		// may still be in flight when the server shuts down below.
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// readBack starts a server on dir with enc and checks that the marker is
// all there: the stream's records, the KV value, the object, and (with
// consumer) the durable consumer's position.
func readBack(t *testing.T, dir string, enc Encryption, consumer bool) {
	t.Helper()
	s, err := Start(Config{DataDir: dir, Encryption: enc})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := s.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(ctx, "DATA")
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	if n := st.CachedInfo().State.Msgs; n != 50 {
		t.Fatalf("%d records after restart, want 50", n)
	}
	m, err := st.GetMsg(ctx, 50)
	if err != nil || !bytes.HasPrefix(m.Data, []byte(marker)) {
		t.Fatalf("record 50: %q, %v", m.Data, err)
	}
	kv, err := js.KeyValue(ctx, "defs")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "def.x"); err != nil || !bytes.Contains(e.Value(), []byte(marker)) {
		t.Fatalf("KV value after restart: %v", err)
	}
	obj, err := js.ObjectStore(ctx, "mods")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := obj.GetBytes(ctx, "m"); err != nil || !bytes.HasPrefix(b, []byte(marker)) {
		t.Fatalf("object after restart: %q, %v", b, err)
	}
	c, err := js.Consumer(ctx, "DATA", "reader")
	if !consumer {
		if err == nil {
			t.Fatal("the durable consumer survived the key rotation: nats-server carries consumers now; update the documentation")
		}
		return
	}
	if err != nil {
		t.Fatalf("consumer after restart: %v", err)
	}
	if info := c.CachedInfo(); info.AckFloor.Stream != 3 {
		t.Fatalf("consumer ack floor %d after restart, want 3", info.AckFloor.Stream)
	}
}

// filesWith lists the files under dir that hold the marker.
func filesWith(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(marker)) {
			rel, _ := filepath.Rel(dir, p)
			found = append(found, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestEncryptionAtRest: with a key, the marker written as stream records,
// a KV value and an object is in no file of the data directory; the
// server restarts with the key and reads it all back; with a wrong key or
// none it refuses to start, saying why, instead of starting without the
// streams.
func TestEncryptionAtRest(t *testing.T) {
	for _, cipher := range []string{"", CipherAES} {
		t.Run("cipher "+cipher, func(t *testing.T) {
			dir := t.TempDir()
			enc := Encryption{Key: keyA, Cipher: cipher}
			store(t, dir, enc)
			if f := filesWith(t, dir); len(f) != 0 {
				t.Fatalf("the marker is in the clear in %v", f)
			}
			readBack(t, dir, enc, true)

			_, err := Start(Config{DataDir: dir, Encryption: Encryption{Key: keyB, Cipher: cipher}})
			if !errors.Is(err, ErrUndecryptable) || !strings.Contains(err.Error(), "wrong key") || !strings.Contains(err.Error(), "DATA") {
				t.Fatalf("start with the wrong key = %v, want ErrUndecryptable naming the streams", err)
			}
			_, err = Start(Config{DataDir: dir})
			if !errors.Is(err, ErrUndecryptable) || !strings.Contains(err.Error(), "no key") {
				t.Fatalf("start without a key = %v, want ErrUndecryptable", err)
			}
			// The refused starts changed nothing.
			readBack(t, dir, enc, true)
		})
	}
}

// TestEncryptExistingStore: a store written without a key is encrypted in
// place by the first start with one.
func TestEncryptExistingStore(t *testing.T) {
	dir := t.TempDir()
	store(t, dir, Encryption{})
	if len(filesWith(t, dir)) == 0 {
		t.Fatal("the unencrypted store does not hold the marker: the scan proves nothing")
	}
	readBack(t, dir, Encryption{Key: keyA}, true)
	if f := filesWith(t, dir); len(f) != 0 {
		t.Fatalf("after the first start with a key the marker is still in the clear in %v", f)
	}
	readBack(t, dir, Encryption{Key: keyA}, true)
}

// TestKeyRotation: one start with the new key and the old one re-encrypts
// the store under the new key: the next start needs only the new key, and
// the old key alone no longer opens it. Changing the cipher at the same
// time works too. Durable consumers are left behind (nats-server v2.15.2
// converts a consumer for a change of cipher, not of key): Sluice has
// none of its own.
func TestKeyRotation(t *testing.T) {
	dir := t.TempDir()
	store(t, dir, Encryption{Key: keyA})
	if _, err := Start(Config{DataDir: dir, Encryption: Encryption{Key: keyB}}); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("the new key alone before the rotation: %v, want ErrUndecryptable", err)
	}
	// Durable consumers do not survive a rotation (see checkDecrypted).
	readBack(t, dir, Encryption{Key: keyB, OldKey: keyA, Cipher: CipherAES}, false)
	readBack(t, dir, Encryption{Key: keyB, Cipher: CipherAES}, false)
	if f := filesWith(t, dir); len(f) != 0 {
		t.Fatalf("after the rotation the marker is in the clear in %v", f)
	}
	if _, err := Start(Config{DataDir: dir, Encryption: Encryption{Key: keyA, Cipher: CipherAES}}); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("the old key after the rotation: %v, want ErrUndecryptable", err)
	}
}

func TestEncryptionOptions(t *testing.T) {
	for _, e := range []Encryption{
		{Key: "short"},
		{Key: keyA, Cipher: "rot13"},
		{OldKey: keyA},
		{Key: keyA, OldKey: keyA},
		{Key: keyA, OldKey: "short"},
	} {
		if _, err := Start(Config{DataDir: t.TempDir(), Encryption: e}); err == nil {
			t.Errorf("Start with %+v succeeded", Encryption{Key: strings.Repeat("*", len(e.Key)), Cipher: e.Cipher})
		}
	}
}

// TestCipherChange: the same key with the other cipher converts the store,
// durable consumers included.
func TestCipherChange(t *testing.T) {
	dir := t.TempDir()
	store(t, dir, Encryption{Key: keyA})
	readBack(t, dir, Encryption{Key: keyA, Cipher: CipherAES}, true)
	readBack(t, dir, Encryption{Key: keyA, Cipher: CipherAES}, true)
	if f := filesWith(t, dir); len(f) != 0 {
		t.Fatalf("the marker is in the clear in %v", f)
	}
}
