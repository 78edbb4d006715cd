package snapshot

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// corruptStore returns a store holding a snapshot of several chunks and
// its manifest.
func corruptStore(t *testing.T) (*Store, Manifest) {
	t.Helper()
	src := newTNode(t)
	for i := range 3000 {
		src.must("", 0, "SET", "k"+strconv.Itoa(i), strings.Repeat("v", 1000))
	}
	st, _ := openStore(t)
	m := src.snapshotTo(st)
	if m.Chunks < 3 {
		t.Fatalf("%d chunks", m.Chunks)
	}
	return st, m
}

func getChunk(t *testing.T, st *Store, g, seq uint64) []byte {
	t.Helper()
	v, closer, err := st.db.Get(chunkKey(nil, g, seq))
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	return append([]byte(nil), v...)
}

func setKey(t *testing.T, st *Store, k, v []byte) {
	t.Helper()
	if err := st.db.Set(k, v, pebble.Sync); err != nil {
		t.Fatal(err)
	}
}

// expectCorrupt loads st and checks the error wraps ErrCorrupt and
// mentions want.
func expectCorrupt(t *testing.T, st *Store, want string) {
	t.Helper()
	_, err := st.Load(newTNode(t).n, nil)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Load: %v, want an ErrCorrupt mentioning %q", err, want)
	}
}

func TestCorruption(t *testing.T) {
	cases := []struct {
		name    string
		damage  func(t *testing.T, st *Store, m Manifest)
		message string
	}{
		{"flipped byte", func(t *testing.T, st *Store, m Manifest) {
			v := getChunk(t, st, m.Generation, 1)
			v[len(v)/2] ^= 0x20
			setKey(t, st, chunkKey(nil, m.Generation, 1), v)
		}, "chunk 1: checksum mismatch"},
		{"truncated chunk", func(t *testing.T, st *Store, m Manifest) {
			v := getChunk(t, st, m.Generation, 2)
			setKey(t, st, chunkKey(nil, m.Generation, 2), v[:len(v)/3])
		}, "chunk 2: checksum mismatch"},
		{"tiny chunk", func(t *testing.T, st *Store, m Manifest) {
			setKey(t, st, chunkKey(nil, m.Generation, 0), []byte{0, 1})
		}, "chunk 0: truncated"},
		{"missing chunk", func(t *testing.T, st *Store, m Manifest) {
			if err := st.db.Delete(chunkKey(nil, m.Generation, 1), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, "chunk 1 missing"},
		{"missing last chunk", func(t *testing.T, st *Store, m Manifest) {
			if err := st.db.Delete(chunkKey(nil, m.Generation, m.Chunks-1), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, "chunk " + "LAST" + " missing"},
		{"extra chunk", func(t *testing.T, st *Store, m Manifest) {
			setKey(t, st, chunkKey(nil, m.Generation, m.Chunks), getChunk(t, st, m.Generation, 0))
		}, "checksum mismatch"},
		{"chunk under another key", func(t *testing.T, st *Store, m Manifest) {
			setKey(t, st, chunkKey(nil, m.Generation, 0), getChunk(t, st, m.Generation, 1))
		}, "chunk 0: checksum mismatch"},
		{"bad record with a valid checksum", func(t *testing.T, st *Store, m Manifest) {
			b := make([]byte, chunkHeader, 64)
			b = append(b, 0x80) // unknown flag
			setKey(t, st, chunkKey(nil, m.Generation, 1), sealChunk(b, m.Generation, 1, kindRecords, 1))
		}, "chunk 1 record 0: unknown record flags"},
		{"bad value with a valid checksum", func(t *testing.T, st *Store, m Manifest) {
			b := make([]byte, chunkHeader, 64)
			b = appendRecordHeader(b, "", 0, "key", 0, 3)
			b = append(b, 0, 5, 'a') // a string of 5 bytes holding 1
			setKey(t, st, chunkKey(nil, m.Generation, 1), sealChunk(b, m.Generation, 1, kindRecords, 1))
		}, `chunk 1 record 0 (key "key")`},
		{"record count", func(t *testing.T, st *Store, m Manifest) {
			v := getChunk(t, st, m.Generation, 1)
			body := v[:len(v)-chunkTrailer]
			binary.LittleEndian.PutUint32(body[1:], binary.LittleEndian.Uint32(body[1:])+1)
			setKey(t, st, chunkKey(nil, m.Generation, 1), sealChunk(body, m.Generation, 1, kindRecords,
				binary.LittleEndian.Uint32(body[1:])))
		}, "the header says"},
		{"manifest", func(t *testing.T, st *Store, m Manifest) {
			v := m.encode()
			v[20] ^= 1
			setKey(t, st, manifestKey(m.Generation), v)
		}, "manifest: checksum mismatch"},
		{"manifest missing", func(t *testing.T, st *Store, m Manifest) {
			if err := st.db.Delete(manifestKey(m.Generation), pebble.Sync); err != nil {
				t.Fatal(err)
			}
		}, "manifest missing"},
		{"manifest keys", func(t *testing.T, st *Store, m Manifest) {
			m.Keys++
			setKey(t, st, manifestKey(m.Generation), m.encode())
		}, "records, the manifest says"},
		{"manifest chunks crc", func(t *testing.T, st *Store, m Manifest) {
			m.ChunksCRC++
			setKey(t, st, manifestKey(m.Generation), m.encode())
		}, "chunk checksums do not match the manifest"},
		{"fragment out of order", func(t *testing.T, st *Store, m Manifest) {
			b := make([]byte, chunkHeader, 64)
			b = append(b, 1, 2, 3)
			setKey(t, st, chunkKey(nil, m.Generation, 1), sealChunk(b, m.Generation, 1, kindFragLast, 0))
		}, "chunk 1: fragment out of order"},
		{"current", func(t *testing.T, st *Store, m Manifest) {
			st.mu.current = m.Generation + 7
		}, "manifest missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, m := corruptStore(t)
			tc.damage(t, st, m)
			expectCorrupt(t, st, strings.ReplaceAll(tc.message, "LAST", strconv.FormatUint(m.Chunks-1, 10)))
		})
	}
}

// A damaged current pointer keeps nothing from opening but is reported.
func TestCorruptCurrent(t *testing.T) {
	st, dir := openStore(t)
	setKey(t, st, keyCurrent, []byte("xx"))
	st.Close()
	_, err := Open(dir, quietLog())
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "current") {
		t.Fatalf("Open: %v", err)
	}
}

// A record split over fragments with a missing last piece is detected.
func TestCorruptFragments(t *testing.T) {
	src := newTNode(t)
	src.must("", 0, "SET", "huge", strings.Repeat("x", 2*chunkSize+10))
	st, _ := openStore(t)
	m := src.snapshotTo(st)
	if m.Chunks != 3 {
		t.Fatalf("%d chunks", m.Chunks)
	}
	if err := st.db.Delete(chunkKey(nil, m.Generation, 2), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	expectCorrupt(t, st, "chunk 2 missing")
}

// TestCorruptFile damages the sstable on disk itself: Pebble's own
// checksum finds it, and Open or Load reports ErrCorrupt instead of
// ending the process (Pebble's default on corruption).
func TestCorruptFile(t *testing.T) {
	src := newTNode(t)
	for i := range 2000 {
		src.must("", 0, "SET", "k"+strconv.Itoa(i), strings.Repeat("v", 50))
	}
	st, dir := openStore(t)
	src.snapshotTo(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ssts, _ := filepath.Glob(filepath.Join(dir, PebbleDir, "*.sst"))
	if len(ssts) == 0 {
		t.Fatal("no sstable")
	}
	for _, f := range ssts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := 64; i < len(b)/2; i += 97 {
			b[i] ^= 0x55
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st2, err := Open(dir, quietLog())
	if err == nil {
		defer st2.Close()
		_, err = st2.Load(newTNode(t).n, nil)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged sstable: %v, want ErrCorrupt", err)
	}
}
