package delivery

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A direct put whose records JetStream never acknowledges (as when the
// stream's leader dies holding them) fails at its deadline, each record
// throttled with a reason that says it may be stored, instead of holding
// the call for good. The silence is real: the direct-put stream is gone
// and a plain subscriber takes its subject without answering.
func TestDirectPutUnansweredFailsAtItsDeadline(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.PutTimeout = 300 * time.Millisecond })
	ctx := context.Background()
	e.create(folderDef("silent", t.TempDir()))
	if err := e.js.JS.DeleteStream(ctx, directStream("silent")); err != nil {
		t.Fatal(err)
	}
	sub, err := e.js.Conn.SubscribeSync(directSubject("silent"))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	done := make(chan struct{})
	var res []PutResult
	go func() {
		defer close(done)
		res, err = e.m.Put(ctx, "silent", numbered(3, `{"n":%d}`))
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the put is still waiting for acknowledgements that never come")
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !errors.Is(r.Err, ErrThrottled) || !strings.Contains(r.Err.Error(), "may have been stored") {
			t.Fatalf("record %d: %v, want ErrThrottled saying it may have been stored", i, r.Err)
		}
	}
	if m, err := sub.NextMsg(time.Second); err != nil || string(m.Data) != `{"n":0}` {
		t.Fatalf("the subscriber got %v, %v: want the records (the silence is real)", m, err)
	}
}
