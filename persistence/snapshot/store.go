package snapshot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// Files under a Store's directory.
const (
	// PebbleDir is the Pebble database.
	PebbleDir = "flect.pebble"
	// TmpDir holds the sstables of snapshots being written.
	TmpDir = "flect.tmp"
	// LockFile keeps a second process from opening the directory.
	LockFile = "flect.lock"
)

// ErrLocked is wrapped by Open's error when another process (or another
// Store in this process) has the directory open.
var ErrLocked = errors.New("snapshot: data directory in use")

// errClosed is returned by a closed Store.
var errClosed = errors.New("snapshot: store closed")

// Store is a node's durable state: its snapshots and its metadata, in one
// Pebble database. It is safe for concurrent use.
type Store struct {
	dir  string
	tmp  string
	db   *pebble.DB
	opts *pebble.Options
	lock io.Closer
	log  *slog.Logger

	// commitMu orders installing generations.
	commitMu sync.Mutex

	mu struct {
		sync.Mutex
		closed bool
		// current is the generation of the current snapshot (0: none),
		// next the generation the next writer takes.
		current, next uint64
		// users counts open writers, loads and metadata calls; Close
		// waits for none.
		users int
		idle  *sync.Cond
	}
}

// Open opens (creating it if needed) the store in dir: Pebble in
// dir/flect.pebble, snapshots under construction in dir/flect.tmp, and a
// lock file dir/flect.lock held while the store is open. It removes what a
// crash may have left: sstables of unfinished snapshots, generations that
// never became current, and older generations not yet deleted.
func Open(dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("snapshot: create %q: %w", dir, err)
	}
	lock, err := lockDir(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, err
	}
	st := &Store{dir: dir, tmp: filepath.Join(dir, TmpDir), lock: lock, log: log}
	st.mu.idle = sync.NewCond(&st.mu.Mutex)
	if err := os.RemoveAll(st.tmp); err != nil {
		lock.Close()
		return nil, fmt.Errorf("snapshot: clear %q: %w", st.tmp, err)
	}
	if err := os.MkdirAll(st.tmp, 0o755); err != nil {
		lock.Close()
		return nil, fmt.Errorf("snapshot: create %q: %w", st.tmp, err)
	}
	st.opts = pebbleOptions(log)
	st.opts.EnsureDefaults()
	st.db, err = pebble.Open(filepath.Join(dir, PebbleDir), st.opts)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("snapshot: open %q: %w", filepath.Join(dir, PebbleDir), err)
	}
	if err := st.recover(); err != nil {
		st.db.Close()
		lock.Close()
		if pebble.IsCorruptionError(err) {
			msg, _, _ := strings.Cut(err.Error(), "\n")
			return nil, fmt.Errorf("snapshot: the store in %s is damaged (%s): %w", dir, msg, ErrCorrupt)
		}
		return nil, err
	}
	return st, nil
}

// pebbleOptions are the Pebble settings: the newest format, Pebble's
// fastest block compression (MinLZ; Snappy on arm64) at every level (see
// doc.go for the measurements), and Pebble's log routed to ours.
func pebbleOptions(log *slog.Logger) *pebble.Options {
	o := &pebble.Options{
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{log},
		// A damaged file makes the read fail with an error we report;
		// Pebble's default would end the process.
		EventListener: &pebble.EventListener{DataCorruption: func(info pebble.DataCorruptionInfo) {
			log.Error("snapshot store: on-disk corruption", "file", info.Path, "err", info.Details.Error())
		}},
	}
	o.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionFastest })
	return o
}

// pebbleLogger sends Pebble's messages to slog: its chatter at debug level.
type pebbleLogger struct{ log *slog.Logger }

func (l pebbleLogger) Infof(format string, args ...any) {
	l.log.Debug("pebble: " + fmt.Sprintf(format, args...))
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	l.log.Error("pebble: " + fmt.Sprintf(format, args...))
}

func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := "pebble: " + fmt.Sprintf(format, args...)
	l.log.Error(msg)
	panic(msg)
}

// recover reads the current generation and deletes every other one. The
// current one is verified when it loads: a damaged snapshot must not keep
// the store (and its metadata) from opening.
func (st *Store) recover() error {
	cur, err := st.readCurrent()
	if err != nil {
		return err
	}
	highest, err := st.highestGen()
	if err != nil {
		return err
	}
	st.mu.current = cur
	st.mu.next = max(cur, highest) + 1
	if err := st.dropGens(0, cur); err != nil {
		return err
	}
	if highest > cur {
		st.log.Warn("snapshot: deleting an unfinished snapshot left by a crash", "generation", highest)
		if err := st.dropGens(cur+1, 0); err != nil {
			return err
		}
	}
	return nil
}

// readCurrent returns the current generation, 0 for none.
func (st *Store) readCurrent() (uint64, error) {
	v, closer, err := st.db.Get(keyCurrent)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("snapshot: read current: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, corruptf("current: %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// highestGen returns the highest generation with any key, 0 for none.
func (st *Store) highestGen() (uint64, error) {
	it, err := st.db.NewIter(&pebble.IterOptions{LowerBound: prefixSnap, UpperBound: endSnap})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	g, ok := parseGen(it.Key())
	if !ok {
		return 0, corruptf("unexpected key %q", it.Key())
	}
	return g, nil
}

// dropGens deletes generations [from, to); to 0 means every generation
// from on. Deleting nothing is a no-op.
func (st *Store) dropGens(from, to uint64) error {
	start := genPrefix(from)
	end := endSnap
	if to != 0 {
		if to <= from {
			return nil
		}
		end = genPrefix(to)
	}
	it, err := st.db.NewIter(&pebble.IterOptions{LowerBound: start, UpperBound: end})
	if err != nil {
		return err
	}
	found := it.First()
	err = it.Error()
	it.Close()
	if err != nil || !found {
		return err
	}
	// Excise drops the generations' sstables at once (a range deletion
	// would leave them on disk until a compaction gets to them).
	if err := st.db.Excise(context.Background(), pebble.KeyRange{Start: start, End: end}); err != nil {
		return fmt.Errorf("snapshot: delete old generations: %w", err)
	}
	return nil
}

// manifest reads and verifies generation g's manifest.
func (st *Store) manifest(g uint64) (Manifest, error) {
	v, closer, err := st.db.Get(manifestKey(g))
	if errors.Is(err, pebble.ErrNotFound) {
		return Manifest{}, corruptf("generation %d: manifest missing", g)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("snapshot: read manifest: %w", err)
	}
	defer closer.Close()
	m, err := decodeManifest(v)
	if err != nil {
		return m, err
	}
	if m.Generation != g {
		return m, corruptf("manifest of generation %d names generation %d", g, m.Generation)
	}
	return m, nil
}

// Current returns the manifest of the current snapshot; false when there
// is none.
func (st *Store) Current() (Manifest, bool, error) {
	if err := st.acquire(); err != nil {
		return Manifest{}, false, err
	}
	defer st.release()
	st.mu.Lock()
	g := st.mu.current
	st.mu.Unlock()
	if g == 0 {
		return Manifest{}, false, nil
	}
	m, err := st.manifest(g)
	return m, err == nil, err
}

// Dir returns the store's directory.
func (st *Store) Dir() string { return st.dir }

// Close waits for open writers (until their Commit or Abort) and loads
// to finish, then closes the database and releases the lock.
func (st *Store) Close() error {
	st.mu.Lock()
	if st.mu.closed {
		st.mu.Unlock()
		return errClosed
	}
	for st.mu.users > 0 {
		st.mu.idle.Wait()
	}
	st.mu.closed = true
	st.mu.Unlock()
	err := st.db.Close()
	if lerr := st.lock.Close(); err == nil {
		err = lerr
	}
	return err
}

// PutMeta stores a metadata record durably (synced before it returns).
func (st *Store) PutMeta(key string, val []byte) error {
	if err := st.acquire(); err != nil {
		return err
	}
	defer st.release()
	return st.db.Set(metaKey(key), val, pebble.Sync)
}

// DeleteMeta deletes a metadata record durably; deleting an absent key is
// not an error.
func (st *Store) DeleteMeta(key string) error {
	if err := st.acquire(); err != nil {
		return err
	}
	defer st.release()
	return st.db.Delete(metaKey(key), pebble.Sync)
}

// Metas returns every metadata record whose key starts with prefix. The
// returned slices are the caller's.
func (st *Store) Metas(prefix string) (map[string][]byte, error) {
	if err := st.acquire(); err != nil {
		return nil, err
	}
	defer st.release()
	lo := metaKey(prefix)
	it, err := st.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := map[string][]byte{}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, err
		}
		out[string(it.Key()[len(prefixMeta):])] = bytes.Clone(v)
	}
	return out, it.Error()
}

func metaKey(k string) []byte { return append(append([]byte(nil), prefixMeta...), k...) }

// prefixEnd returns the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // p is all 0xff: no upper bound
}

// acquire registers a user of the database, which Close waits for; it
// fails once the store is closed.
func (st *Store) acquire() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.mu.closed {
		return errClosed
	}
	st.mu.users++
	return nil
}

// release ends a use begun by acquire.
func (st *Store) release() {
	st.mu.Lock()
	st.mu.users--
	st.mu.idle.Broadcast()
	st.mu.Unlock()
}
