package snapshot

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/persistence/rdb"
)

// LoadStats describe a finished load.
type LoadStats struct {
	// Found is false when the store has no snapshot (nothing was loaded).
	Found bool
	// Manifest describes the snapshot loaded.
	Manifest Manifest
	// Keys is the number of keys stored into the node.
	Keys int64
	// Expired counts keys skipped because their deadline had passed at
	// load time (Valkey's rdb_last_load_keys_expired).
	Expired int64
	// Skipped counts keys of namespaces the node does not have.
	Skipped int64
	// Bytes is the size of the chunks read.
	Bytes int64
	// Duration is how long the load took.
	Duration time.Duration
}

// LoadProgress is a running load's progress, reported about every second.
type LoadProgress struct {
	// Start is when the load began.
	Start time.Time
	// Keys and Bytes are what has been processed so far; TotalKeys and
	// TotalBytes what the snapshot holds.
	Keys, TotalKeys   int64
	Bytes, TotalBytes int64
	// Rate is keys per second so far.
	Rate float64
	// ETA estimates the time left.
	ETA time.Duration
}

// Percent is the share of the bytes processed, 0 to 100.
func (p LoadProgress) Percent() float64 {
	if p.TotalBytes == 0 {
		return 100
	}
	return float64(p.Bytes) * 100 / float64(p.TotalBytes)
}

// progressEvery is how often Load reports progress.
const progressEvery = time.Second

// loadWorkers is how many goroutines decode chunks and store keys: one
// per CPU (at least 2, at most 8); the reader needs little CPU of its own.
func loadWorkers() int { return min(max(runtime.GOMAXPROCS(0), 2), 8) }

// loadUnit is work for a decoder: a records chunk or an assembled
// fragmented record.
type loadUnit struct {
	buf     []byte // owned by the unit; recycled when pooled
	payload []byte
	seq     uint64 // the (first) chunk's sequence number, for errors
	count   uint32
	single  bool // one record assembled from fragments
	pooled  bool
}

// Load reads the current snapshot into node n: every chunk's checksum is
// verified, each record decoded and stored with Namespace.LoadKey. Keys of
// namespaces n does not have are skipped (counted in Skipped) and keys
// whose deadline has passed are dropped (Expired). progress, when not nil,
// is called about once a second.
//
// A damaged snapshot (checksum mismatch, missing or truncated chunk,
// malformed record) is an error wrapping ErrCorrupt that names the
// generation and chunk. The keys loaded before the error stay in the
// node: a node must not serve after a failed load (Valkey exits).
func (st *Store) Load(n *engine.Node, progress func(LoadProgress)) (LoadStats, error) {
	var stats LoadStats
	if err := st.acquire(); err != nil {
		return stats, err
	}
	defer st.release()
	st.mu.Lock()
	g := st.mu.current
	st.mu.Unlock()
	if g == 0 {
		return stats, nil
	}
	m, err := st.manifest(g)
	if err != nil {
		return stats, err
	}
	stats.Found, stats.Manifest = true, m
	l := &loader{st: st, n: n, m: m, now: n.Clock().Now().UnixMilli(), start: time.Now()}
	err = l.run(progress)
	stats.Keys, stats.Expired, stats.Skipped = l.keys.Load(), l.expired.Load(), l.skipped.Load()
	stats.Bytes = l.bytes.Load()
	stats.Duration = time.Since(l.start)
	return stats, err
}

// loader is one Load.
type loader struct {
	st    *Store
	n     *engine.Node
	m     Manifest
	now   int64 // unix ms: keys with an earlier deadline are dropped
	start time.Time

	keys, expired, skipped, records, bytes atomic.Int64

	// err is the error of the lowest chunk (errSeq) that failed.
	errMu  sync.Mutex
	err    error
	errSeq uint64
	// free recycles chunk copies between the reader and the decoders.
	free chan []byte
}

// fail records the error of chunk seq; the report names the first bad
// chunk, whichever goroutine found it first.
func (l *loader) fail(seq uint64, err error) {
	l.errMu.Lock()
	if l.err == nil || seq < l.errSeq {
		l.err, l.errSeq = err, seq
	}
	l.errMu.Unlock()
}

func (l *loader) failure() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}

func (l *loader) run(progress func(LoadProgress)) error {
	units := make(chan loadUnit, 2*loadWorkers())
	l.free = make(chan []byte, cap(units)+loadWorkers()+1)
	var wg sync.WaitGroup
	for range loadWorkers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range units {
				if l.failure() == nil {
					if err := l.decode(u); err != nil {
						l.fail(u.seq, err)
					}
				}
				if u.pooled {
					select {
					case l.free <- u.buf[:0]:
					default:
					}
				}
			}
		}()
	}
	stop := make(chan struct{})
	var pwg sync.WaitGroup
	if progress != nil {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			t := time.NewTicker(progressEvery)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					progress(l.progress())
				}
			}
		}()
	}
	seq, err := l.read(units)
	close(units)
	wg.Wait()
	close(stop)
	pwg.Wait()
	if err != nil {
		l.fail(seq, err)
	}
	err = l.failure()
	if err == nil && uint64(l.records.Load()) != l.m.Keys {
		err = corruptf("generation %d: %d records, the manifest says %d", l.m.Generation, l.records.Load(), l.m.Keys)
	}
	if err != nil {
		l.st.log.Error("snapshot: load failed", "generation", l.m.Generation, "err", err)
	}
	return err
}

func (l *loader) progress() LoadProgress {
	p := LoadProgress{
		Start: l.start, Keys: l.records.Load(), TotalKeys: int64(l.m.Keys),
		Bytes: l.bytes.Load(), TotalBytes: int64(l.m.Bytes),
	}
	el := time.Since(l.start)
	if el > 0 {
		p.Rate = float64(p.Keys) / el.Seconds()
	}
	if p.Bytes > 0 && p.TotalBytes > p.Bytes {
		p.ETA = time.Duration(float64(el) * float64(p.TotalBytes-p.Bytes) / float64(p.Bytes))
	}
	return p
}

// read iterates generation g's chunks in order, verifies them and hands
// them to the decoders, assembling fragmented records. On error it
// returns the sequence number of the chunk at fault.
func (l *loader) read(units chan<- loadUnit) (uint64, error) {
	g := l.m.Generation
	lo := append(genPrefix(g), tagData)
	it, err := l.st.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var (
		seq      uint64
		crcs     uint32
		frag     []byte // a fragmented record being assembled
		fragSeq  uint64
		inFrag   bool
		bytesAll int64
	)
	for ok := it.First(); ok; ok = it.Next() {
		if l.failure() != nil {
			return seq, nil // a decoder failed
		}
		kg, ks, kok := parseChunkKey(it.Key())
		if !kok || kg != g {
			return seq, corruptf("generation %d: unexpected key %q", g, it.Key())
		}
		if ks != seq {
			return seq, corruptf("generation %d: chunk %d missing (found chunk %d)", g, seq, ks)
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return seq, fmt.Errorf("snapshot: read generation %d chunk %d: %w", g, seq, err)
		}
		kind, count, payload, err := openChunk(g, seq, v)
		if err != nil {
			return seq, err
		}
		crcs = foldCRC(crcs, chunkCRCOf(v))
		bytesAll += int64(len(v))
		switch {
		case kind == kindRecords && !inFrag:
			var buf []byte
			select {
			case buf = <-l.free:
			default:
			}
			buf = append(buf[:0], payload...)
			units <- loadUnit{buf: buf, payload: buf, seq: seq, count: count, pooled: true}
		case kind == kindFragFirst && !inFrag:
			inFrag, fragSeq = true, seq
			frag = append([]byte(nil), payload...)
		case kind == kindFragMore && inFrag:
			frag = append(frag, payload...)
		case kind == kindFragLast && inFrag:
			frag = append(frag, payload...)
			units <- loadUnit{buf: frag, payload: frag, seq: fragSeq, count: 1, single: true}
			inFrag, frag = false, nil
		default:
			return seq, corruptf("generation %d chunk %d: fragment out of order (kind %d)", g, seq, kind)
		}
		l.bytes.Store(bytesAll)
		seq++
	}
	if err := it.Error(); err != nil {
		return seq, fmt.Errorf("snapshot: read generation %d: %w", g, err)
	}
	switch {
	case inFrag:
		return seq, corruptf("generation %d: chunk %d missing (a record is cut short)", g, seq)
	case seq != l.m.Chunks:
		return seq, corruptf("generation %d: %d chunks, the manifest says %d (chunk %d missing)", g, seq, l.m.Chunks, seq)
	case crcs != l.m.ChunksCRC:
		return seq, corruptf("generation %d: chunk checksums do not match the manifest", g)
	}
	return 0, nil
}

// chunkCRCOf returns the checksum stored at the end of a verified chunk.
func chunkCRCOf(v []byte) uint32 {
	t := v[len(v)-chunkTrailer:]
	return uint32(t[0]) | uint32(t[1])<<8 | uint32(t[2])<<16 | uint32(t[3])<<24
}

// decode stores a unit's records into the node.
func (l *loader) decode(u loadUnit) error {
	var c struct{ records, keys, expired, skipped int64 }
	defer func() {
		l.records.Add(c.records)
		l.keys.Add(c.keys)
		l.expired.Add(c.expired)
		l.skipped.Add(c.skipped)
	}()
	p := u.payload
	nsName := ""
	ns := l.n.Default()
	for len(p) > 0 {
		r, w, err := decodeRecord(p)
		if err != nil {
			return corruptf("generation %d chunk %d record %d: %v", l.m.Generation, u.seq, c.records, err)
		}
		p = p[w:]
		c.records++
		if string(r.ns) != nsName {
			nsName = string(r.ns)
			ns = l.namespace(nsName)
		}
		if ns == nil {
			c.skipped++
			continue
		}
		if r.db >= ns.DBCount() {
			return fmt.Errorf("snapshot: a key of database %d in namespace %q, which has %d databases (was the snapshot written with a larger databases setting?)",
				r.db, nsName, ns.DBCount())
		}
		if r.expire != 0 && r.expire < l.now {
			c.expired++
			continue
		}
		val, used, err := rdb.ReadValue(l.n, r.value)
		if err == nil && used != len(r.value) {
			err = errors.New("trailing bytes after the value")
		}
		if err != nil {
			return corruptf("generation %d chunk %d record %d (key %q): %v", l.m.Generation, u.seq, c.records-1, r.key, err)
		}
		ns.LoadKey(r.db, r.key, val, r.expire)
		c.keys++
	}
	if c.records != int64(u.count) {
		return corruptf("generation %d chunk %d: %d records, the header says %d", l.m.Generation, u.seq, c.records, u.count)
	}
	return nil
}

func (l *loader) namespace(name string) *engine.Namespace {
	if name == "" {
		return l.n.Default()
	}
	return l.n.Namespace(name)
}
