package snapshot

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/persistence/rdb"
)

const (
	// chunkSize is the size a chunk is filled up to (a record that does
	// not fit starts the next chunk; one larger than a chunk is split
	// into fragments).
	chunkSize = 1 << 20
	// maxInline is the largest record a records chunk holds.
	maxInline = chunkSize - chunkHeader - chunkTrailer
	// queueLen is how many sealed chunks may wait for the sstable
	// writer before Pace blocks.
	queueLen = 16
	// keepEncBuf bounds the encoding buffers kept for reuse.
	keepEncBuf = 64 << 10
	// bytesPerSync makes the kernel write the sstable back as it grows
	// instead of all at the final fsync.
	bytesPerSync = 4 << 20
)

// errWriterDone is returned by Add after Commit or Abort.
var errWriterDone = errors.New("snapshot: writer already committed or aborted")

// errAborted stops the flusher of an aborted writer.
var errAborted = errors.New("snapshot: writer aborted")

// Meta describes a snapshot to Commit.
type Meta struct {
	// Time is the snapshot's point in time.
	Time time.Time
	// Creator names the program writing it ("flect 1.2.0"); optional.
	Creator string
}

// Writer writes one snapshot (a new generation) into the store. Add may be
// called from many goroutines at once; the snapshot becomes the store's
// current one only when Commit returns nil. Every Writer must end with
// Commit or Abort.
type Writer struct {
	st       *Store
	gen      uint64
	path     string
	compress bool

	mu struct {
		sync.Mutex
		cur   []byte // the chunk being filled, chunkHeader bytes reserved
		count uint32 // records in cur
		seq   uint64 // the next chunk's sequence number
		keys  uint64
		done  bool
		err   error // set when the writer could not start
		// dbs counts records per database; last caches the counter of
		// the previous record's database.
		dbs   map[dbID]*uint64
		last  dbID
		lastN *uint64
	}
	out      chunkQueue
	free     chan []byte
	finished chan struct{}

	// The flusher's state, read by Commit after finished is closed.
	failMu    sync.Mutex
	failErr   error
	sst       *sstable.Writer
	chunksCRC uint32
	bytes     uint64

	release sync.Once
	// throttle is SetThrottle's setting.
	throttle atomic.Bool
}

// dbID names a database of a namespace.
type dbID struct {
	ns string
	db int
}

// Pace blocks while queueLen or more sealed chunks wait for the sstable
// writer. Add never blocks (its callers hold keyspace locks); the engine's
// snapshot walker calls Pace between chunks, holding none, so that it
// runs no further ahead of the disk than that.
func (w *Writer) Pace() { w.out.waitBelow(queueLen) }

// chunkQueue is the unbounded queue of sealed chunks from Add to the
// flusher; Pace bounds it in practice.
type chunkQueue struct {
	mu     sync.Mutex
	cond   sync.Cond
	items  []pending
	closed bool
}

func (q *chunkQueue) lock() {
	q.mu.Lock()
	if q.cond.L == nil {
		q.cond.L = &q.mu
	}
}

// push queues p; it never blocks.
func (q *chunkQueue) push(p pending) {
	q.lock()
	q.items = append(q.items, p)
	q.mu.Unlock()
	q.cond.Broadcast()
}

// pop waits for the next chunk; ok is false once the queue is closed and
// empty.
func (q *chunkQueue) pop() (p pending, ok bool) {
	q.lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return pending{}, false
	}
	p = q.items[0]
	q.items[0] = pending{}
	q.items = q.items[1:]
	q.cond.Broadcast()
	return p, true
}

// waitBelow waits until fewer than n chunks are queued or the queue is
// closed.
func (q *chunkQueue) waitBelow(n int) {
	q.lock()
	for len(q.items) >= n && !q.closed {
		q.cond.Wait()
	}
	q.mu.Unlock()
}

// close ends the queue: pop drains what is left, then reports the end.
func (q *chunkQueue) close() {
	q.lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// Batch adds records for one goroutine at a time (the engine's snapshot
// walker): they fill a chunk of its own, and the writer's lock is taken
// once per chunk instead of once per record, so that the walker does not
// contend with the writers preserving keys (they use Add).
type Batch struct {
	w     *Writer
	cur   []byte
	count uint32
	keys  uint64
	dbs   map[dbID]uint64
}

// NewBatch returns a Batch adding to w. Flush it before Commit.
func (w *Writer) NewBatch() *Batch {
	return &Batch{w: w, cur: w.newBuf(), dbs: map[dbID]uint64{}}
}

// AddRecord adds an engine snapshot record, as Writer.AddRecord does.
func (b *Batch) AddRecord(r *engine.SnapshotRecord) error {
	enc, vlen, bp, err := b.w.encode(r.NS, r.DB, r.Key, r.Value, r.Expire)
	if err != nil {
		return err
	}
	defer releaseEnc(bp, enc)
	hdr, val := enc[vlen:], enc[:vlen]
	if n := len(hdr) + len(val); n > maxInline {
		err = b.w.append(dbID{r.NS, r.DB}, hdr, val)
	} else {
		if len(b.cur)+n > maxInline+chunkHeader {
			err = b.seal()
		}
		if err == nil {
			b.cur = append(b.cur, hdr...)
			b.cur = append(b.cur, val...)
			b.count++
			b.keys++
			b.dbs[dbID{r.NS, r.DB}]++
		}
	}
	return err
}

// Flush queues the batch's partial chunk.
func (b *Batch) Flush() error { return b.seal() }

// seal queues the batch's chunk under the writer's lock and counts its
// records.
func (b *Batch) seal() error {
	if b.count == 0 {
		return nil
	}
	w := b.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return err
	}
	w.out.push(pending{buf: b.cur, seq: w.mu.seq, kind: kindRecords, count: b.count})
	w.mu.seq++
	w.mu.keys += b.keys
	for id, n := range b.dbs {
		*w.dbCountLocked(id) += n
		delete(b.dbs, id)
	}
	b.cur, b.count, b.keys = w.newBuf(), 0, 0
	return nil
}

// pending is a chunk on its way to the sstable.
type pending struct {
	buf   []byte
	seq   uint64
	kind  byte
	count uint32
}

// encBufs recycles the buffers records are encoded into.
var encBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// NewWriter starts a snapshot. Strings are written without LZF compression
// (see doc.go); SetCompression changes that before the first Add.
func (st *Store) NewWriter() *Writer {
	w := &Writer{
		st:       st,
		free:     make(chan []byte, queueLen+2),
		finished: make(chan struct{}),
	}
	st.mu.Lock()
	if st.mu.closed {
		w.mu.err = errClosed
		w.mu.done = true
		st.mu.Unlock()
		close(w.finished)
		return w
	}
	w.gen = st.mu.next
	st.mu.next++
	st.mu.users++ // released by writerDone
	st.mu.Unlock()
	w.path = filepath.Join(st.tmp, strconv.FormatUint(w.gen, 10)+".sst")
	if err := w.create(); err != nil {
		w.mu.err = err
		w.mu.done = true
		close(w.finished)
		return w
	}
	w.mu.cur = w.newBuf()
	go w.flusher()
	return w
}

// SetCompression turns LZF compression of long strings on or off (as
// rdbcompression does for RDB files). Call it before the first Add.
func (w *Writer) SetCompression(on bool) { w.compress = on }

// SetThrottle makes the writer rest as long as it works on each chunk,
// as a background save's walker does, leaving the clients the CPU.
func (w *Writer) SetThrottle(on bool) { w.throttle.Store(on) }

// Generation returns the generation the snapshot will have.
func (w *Writer) Generation() uint64 { return w.gen }

// create opens the sstable file.
func (w *Writer) create() error {
	f, err := vfs.Default.Create(w.path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("snapshot: create %q: %w", w.path, err)
	}
	f = vfs.NewSyncingFile(f, vfs.SyncingFileOptions{BytesPerSync: bytesPerSync})
	wo := w.st.opts.MakeWriterOptions(6, w.st.db.TableFormat())
	w.sst = sstable.NewWriter(objstorageprovider.NewFileWritable(f), wo)
	return nil
}

func (w *Writer) newBuf() []byte {
	select {
	case b := <-w.free:
		return b[:chunkHeader]
	default:
		return make([]byte, chunkHeader, chunkSize)
	}
}

// Add appends a key to the snapshot: its namespace ("" for the default
// one), database, key, stored value (serialized before Add returns, so the
// caller may change it afterwards) and absolute deadline in unix ms (0 for
// none). It is safe to call from many goroutines; the expensive part (the
// value's serialization) runs outside the writer's lock.
func (w *Writer) Add(ns string, db int, key string, val any, expire int64) error {
	enc, vlen, bp, err := w.encode(ns, db, key, val, expire)
	if err != nil {
		return err
	}
	defer releaseEnc(bp, enc)
	return w.append(dbID{ns, db}, enc[vlen:], enc[:vlen])
}

// encode serializes a record into a pooled buffer: its value (the first
// vlen bytes), then its header. Give the buffer back with releaseEnc.
func (w *Writer) encode(ns string, db int, key string, val any, expire int64) (enc []byte, vlen int, bp *[]byte, err error) {
	if db < 0 || db >= maxDB {
		return nil, 0, nil, fmt.Errorf("snapshot: key %q: bad database number %d", key, db)
	}
	bp = encBufs.Get().(*[]byte)
	enc, err = rdb.AppendValue((*bp)[:0], val, w.compress)
	if err != nil {
		encBufs.Put(bp)
		return nil, 0, nil, fmt.Errorf("snapshot: key %q: %w", key, err)
	}
	vlen = len(enc)
	return appendRecordHeader(enc, ns, db, key, expire, vlen), vlen, bp, nil
}

// releaseEnc returns an encoding buffer to the pool unless it grew large.
func releaseEnc(bp *[]byte, enc []byte) {
	if cap(enc) <= keepEncBuf {
		*bp = enc[:0]
		encBufs.Put(bp)
	}
}

// usableLocked returns the error that keeps the writer from taking more
// records, if any.
func (w *Writer) usableLocked() error {
	if w.mu.done {
		if w.mu.err != nil {
			return w.mu.err
		}
		return errWriterDone
	}
	return w.failure()
}

// dbCountLocked returns the key counter of database id.
func (w *Writer) dbCountLocked(id dbID) *uint64 {
	if w.mu.dbs == nil {
		w.mu.dbs = map[dbID]*uint64{}
	}
	n := w.mu.dbs[id]
	if n == nil {
		n = new(uint64)
		w.mu.dbs[id] = n
	}
	return n
}

// AddRecord adds an engine snapshot record: an engine.SnapshotEmit.
func (w *Writer) AddRecord(r *engine.SnapshotRecord) error {
	return w.Add(r.NS, r.DB, r.Key, r.Value, r.Expire)
}

// append adds one encoded record (header then value) to the current
// chunk, sealing chunks as they fill.
func (w *Writer) append(id dbID, hdr, val []byte) error {
	n := len(hdr) + len(val)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return err
	}
	if n > maxInline {
		w.fragmentLocked(hdr, val)
	} else {
		if len(w.mu.cur)+n > maxInline+chunkHeader {
			w.sealLocked()
		}
		w.mu.cur = append(w.mu.cur, hdr...)
		w.mu.cur = append(w.mu.cur, val...)
		w.mu.count++
	}
	w.mu.keys++
	if w.mu.lastN == nil || id != w.mu.last {
		w.mu.last, w.mu.lastN = id, w.dbCountLocked(id)
	}
	*w.mu.lastN++
	return nil
}

// sealLocked queues the current chunk (if it has records) and starts the
// next.
func (w *Writer) sealLocked() {
	if w.mu.count == 0 {
		return
	}
	w.out.push(pending{buf: w.mu.cur, seq: w.mu.seq, kind: kindRecords, count: w.mu.count})
	w.mu.seq++
	w.mu.cur = w.newBuf()
	w.mu.count = 0
}

// fragmentLocked queues a record too large for one chunk as consecutive
// fragment chunks.
func (w *Writer) fragmentLocked(hdr, val []byte) {
	w.sealLocked()
	kind := byte(kindFragFirst)
	for len(hdr)+len(val) > 0 {
		b := w.newBuf()
		room := maxInline
		take := min(room, len(hdr))
		b = append(b, hdr[:take]...)
		hdr = hdr[take:]
		room -= take
		take = min(room, len(val))
		b = append(b, val[:take]...)
		val = val[take:]
		if len(hdr)+len(val) == 0 {
			kind = kindFragLast
		}
		w.out.push(pending{buf: b, seq: w.mu.seq, kind: kind})
		w.mu.seq++
		kind = kindFragMore
	}
}

// flusher seals the queued chunks and writes them to the sstable in
// sequence order.
func (w *Writer) flusher() {
	defer close(w.finished)
	var key []byte
	for {
		p, ok := w.out.pop()
		if !ok {
			return
		}
		start := time.Now()
		if w.failure() == nil {
			b := sealChunk(p.buf, w.gen, p.seq, p.kind, p.count)
			w.chunksCRC = foldCRC(w.chunksCRC, binary.LittleEndian.Uint32(b[len(b)-chunkTrailer:]))
			w.bytes += uint64(len(b))
			key = chunkKey(key, w.gen, p.seq)
			if err := w.sst.Set(key, b); err != nil {
				w.fail(fmt.Errorf("snapshot: write %q: %w", w.path, err))
			}
		}
		if w.throttle.Load() {
			time.Sleep(time.Since(start)) // at most half a core, as the walker
		}
		if cap(p.buf) == chunkSize {
			select {
			case w.free <- p.buf:
			default:
			}
		}
	}
}

func (w *Writer) fail(err error) {
	w.failMu.Lock()
	if w.failErr == nil {
		w.failErr = err
	}
	w.failMu.Unlock()
}

func (w *Writer) failure() error {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	return w.failErr
}

// Keys returns how many records have been added.
func (w *Writer) Keys() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mu.keys
}

// finish marks the writer done and waits for the flusher; it returns the
// error that stops the snapshot, if any.
func (w *Writer) finish(seal bool) error {
	w.mu.Lock()
	if w.mu.done {
		err := w.mu.err
		w.mu.Unlock()
		if err != nil {
			return err
		}
		return errWriterDone
	}
	w.mu.done = true
	if seal && w.failure() == nil {
		w.sealLocked()
	}
	startErr := w.mu.err
	w.mu.Unlock()
	if startErr == nil {
		w.out.close()
	}
	<-w.finished
	if startErr != nil {
		return startErr
	}
	return w.failure()
}

// Commit completes the snapshot and makes it the current one: the
// chunks and the manifest go into one sstable, synced and ingested into
// Pebble, then the current pointer moves to it with a synced write, and
// older generations are deleted. On error the previous snapshot stays
// current. Add must not be called during or after Commit.
func (w *Writer) Commit(meta Meta) error {
	err := w.finish(true)
	if err == nil {
		err = w.commit(meta)
	}
	if err != nil && !errors.Is(err, errWriterDone) {
		w.discard()
	}
	return err
}

func (w *Writer) commit(meta Meta) error {
	m := Manifest{
		Version:    FormatVersion,
		Generation: w.gen,
		Time:       meta.Time,
		Keys:       w.mu.keys,
		Chunks:     w.mu.seq,
		Bytes:      w.bytes,
		ChunksCRC:  w.chunksCRC,
		Creator:    meta.Creator,
	}
	for id, n := range w.mu.dbs {
		m.DBs = append(m.DBs, DBKeys{NS: id.ns, DB: id.db, Keys: *n})
	}
	sort.Slice(m.DBs, func(i, j int) bool {
		a, b := m.DBs[i], m.DBs[j]
		return a.NS < b.NS || a.NS == b.NS && a.DB < b.DB
	})
	if err := w.sst.Set(manifestKey(w.gen), m.encode()); err != nil {
		return fmt.Errorf("snapshot: write %q: %w", w.path, err)
	}
	err := w.sst.Close() // flushes and fsyncs the file
	w.sst = nil
	if err != nil {
		return fmt.Errorf("snapshot: write %q: %w", w.path, err)
	}
	err = w.st.install(w.gen, w.path)
	if err == nil {
		w.release.Do(func() { w.st.writerDone(w.gen, true) })
	}
	return err
}

// Abort discards the snapshot. It is a no-op after Commit.
func (w *Writer) Abort() {
	w.fail(errAborted) // the flusher skips what is still queued
	if err := w.finish(false); errors.Is(err, errWriterDone) {
		return
	}
	w.discard()
}

// discard removes what the writer wrote and releases it from the store.
func (w *Writer) discard() {
	w.release.Do(func() {
		if w.sst != nil {
			w.sst.Close() // the file is removed below; its error does not matter
			w.sst = nil
		}
		if w.path != "" {
			os.Remove(w.path)
		}
		if w.gen != 0 {
			w.st.writerDone(w.gen, false)
		}
	})
}

// install ingests generation g's sstable and makes g current.
func (st *Store) install(g uint64, path string) (err error) {
	st.commitMu.Lock()
	defer st.commitMu.Unlock()
	st.mu.Lock()
	closed, cur := st.mu.closed, st.mu.current
	st.mu.Unlock()
	switch {
	case closed:
		return errClosed
	case g <= cur:
		return fmt.Errorf("snapshot: generation %d is older than the current one (%d)", g, cur)
	}
	if err := st.db.Ingest(context.Background(), []string{path}); err != nil {
		return fmt.Errorf("snapshot: ingest generation %d: %w", g, err)
	}
	if err := st.db.Set(keyCurrent, binary.BigEndian.AppendUint64(nil, g), pebble.Sync); err != nil {
		st.dropGens(g, g+1)
		return fmt.Errorf("snapshot: switch to generation %d: %w", g, err)
	}
	st.mu.Lock()
	st.mu.current = g
	st.mu.Unlock()
	if err := st.dropGens(0, g); err != nil {
		st.log.Warn("snapshot: could not delete old snapshots", "err", err)
	}
	return nil
}

// writerDone releases a writer. A failed writer's generation is deleted
// if any of it reached Pebble.
func (st *Store) writerDone(g uint64, committed bool) {
	if !committed {
		if err := st.dropGens(g, g+1); err != nil {
			st.log.Warn("snapshot: could not delete a failed snapshot", "generation", g, "err", err)
		}
	}
	st.release()
}
