package tenancy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
)

// memMeta is an in-memory MetaStore that can be told to fail.
type memMeta struct {
	m    map[string][]byte
	fail error
}

func (m *memMeta) PutMeta(k string, v []byte) error {
	if m.fail != nil {
		return m.fail
	}
	m.m[k] = append([]byte(nil), v...)
	return nil
}

func (m *memMeta) DeleteMeta(k string) error {
	if m.fail != nil {
		return m.fail
	}
	delete(m.m, k)
	return nil
}

func (m *memMeta) Metas(prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for k, v := range m.m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

func TestRegistrySurvivesRestart(t *testing.T) {
	meta := &memMeta{m: map[string][]byte{}}
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	r1 := New(engine.NewNode(engine.Options{}), &Options{Now: clk.now})
	if err := r1.Open(meta); err != nil {
		t.Fatal(err)
	}
	_, cacheSecret, err := r1.Create("cache", Quota{MaxMemory: 64 << 20, Policy: "allkeys-lru"})
	if err != nil {
		t.Fatal(err)
	}
	_, oldSecret, _ := r1.Create("sessions", Quota{})
	newSecret, err := r1.Rotate("sessions", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := engine.ParseNotifyKeyspaceEvents("Ex")
	if err := r1.SetNotifyKeyspaceEvents("cache", ex); err != nil {
		t.Fatal(err)
	}
	if err := r1.SetNotifyKeyspaceEvents("nope", ex); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetNotifyKeyspaceEvents of a missing store: %v", err)
	}
	if _, _, err := r1.Create("gone", Quota{}); err != nil {
		t.Fatal(err)
	}
	if st, err := r1.Remove("gone"); err != nil {
		t.Fatal(err)
	} else {
		r1.Free(st)
	}

	node2 := engine.NewNode(engine.Options{})
	r2 := New(node2, &Options{Now: clk.now})
	if err := r2.Open(meta); err != nil {
		t.Fatal(err)
	}
	if r2.Len() != 2 || r2.Get("gone") != nil {
		t.Fatalf("restored %d stores", r2.Len())
	}
	if node2.Namespace("cache") == nil || node2.Namespace("sessions") == nil {
		t.Fatal("namespaces not recreated")
	}
	if got := engine.FormatNotifyKeyspaceEvents(node2.Namespace("cache").NotifyKeyspaceEvents()); got != "xE" {
		t.Errorf("cache's notify-keyspace-events after restart: %q", got)
	}
	if got := node2.Namespace("sessions").NotifyKeyspaceEvents(); got != 0 {
		t.Errorf("sessions' notify-keyspace-events after restart: %d", got)
	}
	if _, ok := r2.Authenticate([]byte("cache"), []byte(cacheSecret)); !ok {
		t.Error("cache secret refused after restart")
	}
	if got, err := r2.Secret("cache"); err != nil || got != cacheSecret {
		t.Errorf("Secret(cache) = %q, %v", got, err)
	}
	in, _ := r2.Info("cache")
	if in.MaxMemory != 64<<20 || in.Policy != "allkeys-lru" || !in.Created.Equal(clk.now()) {
		t.Errorf("cache info %+v", in)
	}
	if _, ok := r2.AuthenticateSecret([]byte(newSecret)); !ok {
		t.Error("rotated secret refused")
	}
	if _, ok := r2.Authenticate([]byte("sessions"), []byte(oldSecret)); !ok {
		t.Error("old secret refused within its grace period")
	}
	clk.advance(11 * time.Minute)
	if _, ok := r2.Authenticate([]byte("sessions"), []byte(oldSecret)); ok {
		t.Error("old secret accepted after its grace period")
	}
}

func TestRegistryWriteFailure(t *testing.T) {
	boom := errors.New("disk full")
	meta := &memMeta{m: map[string][]byte{}}
	node := engine.NewNode(engine.Options{})
	r := New(node, nil)
	if err := r.Open(meta); err != nil {
		t.Fatal(err)
	}
	meta.fail = boom
	if _, _, err := r.Create("cache", Quota{}); !errors.Is(err, boom) {
		t.Fatalf("Create = %v", err)
	}
	if r.Get("cache") != nil || node.Namespace("cache") != nil {
		t.Error("a store that was not saved exists")
	}
	meta.fail = nil
	if _, _, err := r.Create("cache", Quota{}); err != nil {
		t.Fatalf("Create after failure: %v", err)
	}
	meta.m[metaStorePref+"bad"] = []byte("{")
	if err := New(engine.NewNode(engine.Options{}), nil).Open(meta); err == nil {
		t.Error("a corrupt record loaded")
	}
}
