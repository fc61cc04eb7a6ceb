package delivery

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// Update is Apply held to a version: the current one makes version+1 (even
// with nothing changed), any other is ErrConcurrentModification and
// changes nothing; of two updates from the same version, exactly one
// wins. Tags survive updates and restarts.
func TestUpdateHoldsToTheVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dir := filepath.Join(e.cfg.OutputRoot, t.Name())
	def := folderDef("upd", dir)
	if _, err := e.m.CreateTagged(ctx, def, []Tag{{Key: "team", Value: "a"}}); err != nil {
		t.Fatal(err)
	}
	e.waitState("upd", StatusActive)

	def.Destination.Prefix = "v2/"
	out, err := e.m.Update(ctx, def, 1)
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != 2 {
		t.Fatalf("version %d after an update of version 1, want 2", out.Version)
	}
	if out, err = e.m.Update(ctx, def, 2); err != nil || out.Version != 3 {
		t.Fatalf("an update with nothing changed: version %v, %v; want 3", out, err)
	}
	for _, v := range []int{0, 1, 2, 4} {
		def.Destination.Prefix = "stale/"
		if _, err := e.m.Update(ctx, def, v); !errors.Is(err, ErrConcurrentModification) {
			t.Errorf("update of version %d at version 3: %v, want ErrConcurrentModification", v, err)
		}
	}
	got, _, err := e.m.Describe(ctx, "upd")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || got.Destination.Prefix != "v2/" {
		t.Fatalf("after stale updates: version %d prefix %q, want 3 and v2/", got.Version, got.Destination.Prefix)
	}

	// Two updates of version 3 at once: one wins, the other is told.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			d := def
			d.Destination.Prefix = []string{"a/", "b/"}[i]
			_, errs[i] = e.m.Update(ctx, d, 3)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrConcurrentModification):
			t.Errorf("losing update: %v, want ErrConcurrentModification", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of two updates of the same version won: %v", won, errs)
	}

	if _, err := e.m.Update(ctx, folderDef("none", dir), 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a missing delivery stream: %v, want ErrNotFound", err)
	}

	e.restart()
	tags, err := e.m.Tags(ctx, "upd")
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0] != (Tag{Key: "team", Value: "a"}) {
		t.Fatalf("tags after updates and a restart: %v", tags)
	}
	if got, _, _ := e.m.Describe(ctx, "upd"); got.Version != 4 {
		t.Errorf("version %d after a restart, want 4", got.Version)
	}
}

// Tag limits hold in the Manager too (the API checks them first): a
// refused change changes nothing.
func TestTagLimits(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	def := folderDef("tags", filepath.Join(e.cfg.OutputRoot, t.Name()))
	many := func(n int, prefix string) []Tag {
		var out []Tag
		for i := range n {
			out = append(out, Tag{Key: prefix + string(rune('a'+i%26)) + string(rune('a'+i/26)), Value: "v"})
		}
		return out
	}
	if _, err := e.m.CreateTagged(ctx, def, many(MaxTags+1, "x")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("create with %d tags: %v, want ErrInvalid", MaxTags+1, err)
	}
	if _, _, err := e.m.Describe(ctx, "tags"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused create made the delivery stream: %v", err)
	}
	if _, err := e.m.CreateTagged(ctx, def, many(MaxTags, "x")); err != nil {
		t.Fatal(err)
	}
	e.waitState("tags", StatusActive)
	if err := e.m.Tag(ctx, "tags", many(1, "y")); !errors.Is(err, ErrLimitExceeded) {
		t.Errorf("tag %d+1: %v, want ErrLimitExceeded", MaxTags, err)
	}
	if err := e.m.Tag(ctx, "tags", many(1, "x")); err != nil {
		t.Errorf("replacing a tag's value at %d tags: %v", MaxTags, err)
	}
	for _, bad := range []Tag{{Key: "aws:x"}, {Key: ""}, {Key: "a;b"}, {Key: "k", Value: "a;b"}} {
		if err := e.m.Tag(ctx, "tags", []Tag{bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("tag %+v: %v, want ErrInvalid", bad, err)
		}
	}
	if err := e.m.Tag(ctx, "nope", many(1, "x")); !errors.Is(err, ErrNotFound) {
		t.Errorf("tag a missing delivery stream: %v, want ErrNotFound", err)
	}
	if tags, _ := e.m.Tags(ctx, "tags"); len(tags) != MaxTags {
		t.Errorf("%d tags after refusals, want %d", len(tags), MaxTags)
	}
}
