package tenancy

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
)

// fakeClock is a settable time source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestRegistry(t *testing.T) (*Registry, *engine.Node, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	node := engine.NewNode(engine.Options{})
	return New(node, &Options{Now: clk.now}), node, clk
}

func TestValidName(t *testing.T) {
	good := []string{"a", "0", "my-cache", "a-b-c", "x9", strings.Repeat("a", 63), "a-"}
	bad := []string{"", "-a", "A", "my_cache", "my.cache", "default", strings.Repeat("a", 64), "caché", "a b", "a:b"}
	for _, n := range good {
		if !ValidName(n) {
			t.Errorf("ValidName(%q) = false", n)
		}
	}
	for _, n := range bad {
		if ValidName(n) {
			t.Errorf("ValidName(%q) = true", n)
		}
	}
}

func TestCreateAuthenticate(t *testing.T) {
	r, node, clk := newTestRegistry(t)
	st, secret, err := r.Create("my-cache", Quota{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != SecretBytes || len(raw)*8 < 128 {
		t.Fatalf("secret %q: %d bytes, %v", secret, len(raw), err)
	}
	if node.Namespace("my-cache") != st.Namespace() || st.Namespace().DBCount() != 16 {
		t.Fatal("namespace not created with 16 databases")
	}
	in, _ := r.Info("my-cache")
	if !in.Created.Equal(clk.now()) || in.Policy != "noeviction" || in.MaxMemory != 0 {
		t.Fatalf("info %+v", in)
	}
	if got, ok := r.Authenticate([]byte("my-cache"), []byte(secret)); !ok || got != st {
		t.Fatal("right secret refused")
	}
	if _, ok := r.Authenticate([]byte("my-cache"), []byte(secret+"x")); ok {
		t.Fatal("wrong secret accepted")
	}
	if _, ok := r.Authenticate([]byte("other"), []byte(secret)); ok {
		t.Fatal("secret accepted for another name")
	}
	if got, ok := r.AuthenticateSecret([]byte(secret)); !ok || got != st {
		t.Fatal("secret alone refused")
	}
	if _, ok := r.AuthenticateSecret([]byte("nope")); ok {
		t.Fatal("unknown secret accepted")
	}
	if st.Auths.Load() != 2 || st.AuthFailures.Load() != 1 {
		t.Fatalf("counters %d %d", st.Auths.Load(), st.AuthFailures.Load())
	}
	if s, err := r.Secret("my-cache"); err != nil || s != secret {
		t.Fatalf("Secret = %q, %v", s, err)
	}
	// The registry's tables hold no clear secret.
	if strings.Contains(string(st.sealed), secret) {
		t.Fatal("secret kept in clear")
	}
}

func TestCreateErrors(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	if _, _, err := r.Create("Bad", Quota{}); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("bad name: %v", err)
	}
	if _, _, err := r.Create("a", Quota{Policy: "lru"}); !errors.Is(err, ErrPolicy) {
		t.Fatalf("bad policy: %v", err)
	}
	if _, _, err := r.Create("a", Quota{MaxMemory: -1}); !errors.Is(err, ErrQuota) {
		t.Fatalf("bad quota: %v", err)
	}
	if _, _, err := r.Create("a", Quota{MaxMemory: 64 << 20, Policy: "allkeys-lru"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Create("a", Quota{}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	in, _ := r.Info("a")
	if in.MaxMemory != 64<<20 || in.Policy != "allkeys-lru" {
		t.Fatalf("quota not recorded: %+v", in)
	}
	mm, p := int64(1), "volatile-ttl"
	if err := r.SetQuota("a", &mm, &p); err != nil {
		t.Fatal(err)
	}
	if in, _ = r.Info("a"); in.MaxMemory != 1 || in.Policy != "volatile-ttl" {
		t.Fatalf("SetQuota: %+v", in)
	}
	if err := r.SetQuota("zz", &mm, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetQuota missing: %v", err)
	}
}

func TestSecretsDiffer(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		_, s, err := r.Create("s"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)), Quota{})
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatal("repeated secret")
		}
		seen[s] = true
	}
}

func TestRotateGrace(t *testing.T) {
	r, _, clk := newTestRegistry(t)
	st, old, _ := r.Create("s", Quota{})
	cur, err := r.Rotate("s", 10*time.Minute)
	if err != nil || cur == old {
		t.Fatalf("rotate: %v", err)
	}
	for _, s := range []string{old, cur} {
		if _, ok := r.Authenticate([]byte("s"), []byte(s)); !ok {
			t.Fatalf("secret refused during grace")
		}
		if got, ok := r.AuthenticateSecret([]byte(s)); !ok || got != st {
			t.Fatalf("secret alone refused during grace")
		}
	}
	in, _ := r.Info("s")
	if !in.GraceUntil.Equal(clk.now().Add(10*time.Minute)) || !in.Rotated.Equal(clk.now()) {
		t.Fatalf("info %+v", in)
	}
	clk.advance(10*time.Minute - time.Second)
	if _, ok := r.Authenticate([]byte("s"), []byte(old)); !ok {
		t.Fatal("old secret refused before the grace ended")
	}
	clk.advance(time.Second)
	if _, ok := r.Authenticate([]byte("s"), []byte(old)); ok {
		t.Fatal("old secret accepted after the grace")
	}
	if _, ok := r.AuthenticateSecret([]byte(old)); ok {
		t.Fatal("old secret alone accepted after the grace")
	}
	if _, ok := r.Authenticate([]byte("s"), []byte(cur)); !ok {
		t.Fatal("new secret refused")
	}
	// Without grace the old secret is revoked at once, and so is an
	// older one still in its grace.
	third, _ := r.Rotate("s", time.Hour)
	fourth, _ := r.Rotate("s", 0)
	for _, s := range []string{cur, third} {
		if _, ok := r.Authenticate([]byte("s"), []byte(s)); ok {
			t.Fatal("revoked secret accepted")
		}
	}
	if _, ok := r.Authenticate([]byte("s"), []byte(fourth)); !ok {
		t.Fatal("current secret refused")
	}
	if len(r.mu.byHash) != 1 {
		t.Fatalf("hash index holds %d entries", len(r.mu.byHash))
	}
	if s, _ := r.Secret("s"); s != fourth {
		t.Fatal("Secret is not the current one")
	}
	if _, err := r.Rotate("s", -time.Second); !errors.Is(err, ErrGrace) {
		t.Fatalf("negative grace: %v", err)
	}
	if _, err := r.Rotate("nope", 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestRemoveFree(t *testing.T) {
	r, node, _ := newTestRegistry(t)
	st, secret, _ := r.Create("s", Quota{})
	if _, err := r.Rotate("s", time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := r.Remove("s")
	if err != nil || got != st || r.Current(st) {
		t.Fatalf("remove: %v", err)
	}
	if _, ok := r.AuthenticateSecret([]byte(secret)); ok {
		t.Fatal("removed store authenticates")
	}
	if len(r.mu.byHash) != 0 || r.Len() != 0 {
		t.Fatal("indexes not emptied")
	}
	r.Free(st)
	if node.Namespace("s") != nil {
		t.Fatal("namespace not dropped")
	}
	if _, err := r.Remove("s"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	// The name can be used again, with a new secret and an empty keyspace.
	st2, secret2, err := r.Create("s", Quota{})
	if err != nil || st2 == st || secret2 == secret {
		t.Fatalf("recreate: %v", err)
	}
}

func TestListSorted(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	for _, n := range []string{"c", "a", "b"} {
		if _, _, err := r.Create(n, Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, in := range r.List() {
		names = append(names, in.Name)
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("List = %v", names)
	}
}

func TestLibrariesBounded(t *testing.T) {
	r, _, _ := newTestRegistry(t)
	st, _, _ := r.Create("s", Quota{})
	st.NoteLibrary("")
	st.NoteLibrary("redis-py/5.0")
	st.NoteLibrary("ioredis")
	st.NoteLibrary("ioredis")
	if got := strings.Join(st.Libraries(), ","); got != "ioredis,redis-py/5.0" {
		t.Fatalf("Libraries = %s", got)
	}
	for i := 0; i < 100; i++ {
		st.NoteLibrary(strings.Repeat("x", i+1))
	}
	if n := len(st.Libraries()); n != MaxLibraries {
		t.Fatalf("%d libraries remembered", n)
	}
}
