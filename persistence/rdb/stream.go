package rdb

import (
	"encoding/binary"
	"strconv"

	"github.com/flect-kv/flect/engine"
)

// Streams: RDB_TYPE_STREAM_LISTPACKS_3 as Valkey 8 writes it (t_stream.c's
// listpack layout per block), and versions 1 and 2 (Redis 5-6 and 7.0)
// read.

const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// appendStreamID appends id as 16 big-endian bytes (streamEncodeID).
func appendStreamID(b []byte, id engine.StreamID) []byte {
	b = binary.BigEndian.AppendUint64(b, id.Ms)
	return binary.BigEndian.AppendUint64(b, id.Seq)
}

// streamListpack builds the listpack Valkey holds for a block: the master
// entry (live count, deleted count, field count, fields, 0), then per
// entry its flags, ID deltas, fields (unless the master's), values and
// element count.
func streamListpack(b *engine.StreamBlock) []byte {
	lp := newLP(0)
	lp.addInt(int64(b.Live))
	lp.addInt(int64(b.Deleted))
	lp.addInt(int64(len(b.Fields)))
	for _, f := range b.Fields {
		lp.add(f)
	}
	lp.addInt(0)
	for _, e := range b.Entries {
		lp.addInt(int64(e.Flags))
		lp.addInt(int64(e.MsDelta))
		lp.addInt(e.SeqDelta)
		nf := len(e.Pairs) / 2
		if e.Flags&streamFlagSameFields != 0 {
			for i := 1; i < len(e.Pairs); i += 2 {
				lp.add(e.Pairs[i])
			}
			lp.addInt(int64(nf + 3))
			continue
		}
		lp.addInt(int64(nf))
		for _, p := range e.Pairs {
			lp.add(p)
		}
		lp.addInt(int64(2*nf + 4))
	}
	return lp.finish()
}

func appendStream(dst []byte, s *engine.Stream, compress bool) []byte {
	dst = append(dst, TypeStreamListpacks3)
	var blocks []*engine.StreamBlock
	s.EachBlock(func(b *engine.StreamBlock) bool {
		blocks = append(blocks, b)
		return true
	})
	dst = appendLen(dst, uint64(len(blocks)))
	for _, b := range blocks {
		dst = appendString(dst, appendStreamID(make([]byte, 0, 16), b.Master), compress)
		dst = appendString(dst, streamListpack(b), compress)
	}
	m := s.Meta()
	for _, v := range []uint64{m.Length, m.LastID.Ms, m.LastID.Seq, m.FirstID.Ms, m.FirstID.Seq,
		m.MaxDeletedID.Ms, m.MaxDeletedID.Seq, m.EntriesAdded} {
		dst = appendLen(dst, v)
	}
	groups := s.Groups()
	dst = appendLen(dst, uint64(len(groups)))
	for _, g := range groups {
		dst = appendString(dst, []byte(g.Name), compress)
		dst = appendLen(dst, g.LastID.Ms)
		dst = appendLen(dst, g.LastID.Seq)
		dst = appendLen(dst, uint64(g.EntriesRead))
		dst = appendLen(dst, uint64(len(g.Pending)))
		for _, p := range g.Pending {
			dst = appendStreamID(dst, p.ID)
			dst = appendMs(dst, p.DeliveryTime)
			dst = appendLen(dst, uint64(p.DeliveryCount))
		}
		dst = appendLen(dst, uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			dst = appendString(dst, []byte(c.Name), compress)
			dst = appendMs(dst, c.SeenTime)
			dst = appendMs(dst, c.ActiveTime)
			dst = appendLen(dst, uint64(len(c.Pending)))
			for _, id := range c.Pending {
				dst = appendStreamID(dst, id)
			}
		}
	}
	return dst
}

// plainLen reads a length that must not be a string encoding.
func (r *reader) plainLen() (uint64, error) {
	n, enc, err := r.length()
	if err != nil || enc {
		return 0, ErrBadData
	}
	return n, nil
}

func (r *reader) rawID() (engine.StreamID, error) {
	s, err := r.bytes(16)
	if err != nil {
		return engine.StreamID{}, err
	}
	return engine.StreamID{Ms: binary.BigEndian.Uint64(s), Seq: binary.BigEndian.Uint64(s[8:])}, nil
}

func (r *reader) lenID() (engine.StreamID, error) {
	ms, err := r.plainLen()
	if err != nil {
		return engine.StreamID{}, err
	}
	seq, err := r.plainLen()
	return engine.StreamID{Ms: ms, Seq: seq}, err
}

// lpInt returns entry e as an integer (an integer entry, or a string
// holding one).
func lpInt(e lpEntry) (int64, bool) {
	if e.isInt {
		return e.i, true
	}
	v, err := strconv.ParseInt(string(e.s), 10, 64)
	return v, err == nil
}

// loadStreamListpack validates one block's listpack (as
// streamValidateListpackIntegrity does) and appends the block.
func loadStreamListpack(s *engine.Stream, master engine.StreamID, lp []byte) bool {
	es, ok := parseListpack(lp)
	if !ok || len(es) < 4 {
		return false
	}
	p := 0
	next := func() (int64, bool) {
		if p >= len(es) {
			return 0, false
		}
		p++
		return lpInt(es[p-1])
	}
	live, ok1 := next()
	deleted, ok2 := next()
	nf, ok3 := next()
	if !ok1 || !ok2 || !ok3 || live < 0 || deleted < 0 || nf < 0 || nf > int64(len(es)-p) {
		return false
	}
	b := &engine.StreamBlock{Master: master, Live: int(live), Deleted: int(deleted)}
	b.Fields = make([][]byte, nf)
	for i := range b.Fields {
		b.Fields[i] = es[p].appendTo(nil)
		p++
	}
	if z, ok := next(); !ok || z != 0 {
		return false
	}
	for p < len(es) {
		flags, ok1 := next()
		msd, ok2 := next()
		seqd, ok3 := next()
		if !ok1 || !ok2 || !ok3 || flags < 0 || flags > 3 || msd < 0 {
			return false
		}
		e := engine.StreamBlockEntry{Flags: byte(flags), MsDelta: uint64(msd), SeqDelta: seqd}
		var cnt int64
		if flags&streamFlagSameFields != 0 {
			if nf > int64(len(es)-p) {
				return false
			}
			e.Pairs = make([][]byte, 0, 2*nf)
			for i := range nf {
				e.Pairs = append(e.Pairs, b.Fields[i], es[p].appendTo(nil))
				p++
			}
			cnt = nf + 3
		} else {
			k, ok := next()
			if !ok || k < 0 || 2*k > int64(len(es)-p) {
				return false
			}
			e.Pairs = make([][]byte, 0, 2*k)
			for range 2 * k {
				e.Pairs = append(e.Pairs, es[p].appendTo(nil))
				p++
			}
			cnt = 2*k + 4
		}
		if c, ok := next(); !ok || c != cnt {
			return false
		}
		b.Entries = append(b.Entries, e)
	}
	return s.LoadBlock(b)
}

// readStream reads the three stream versions: 2 adds the first and
// maximal deleted IDs, the entries added and groups' entries read; 3 adds
// consumers' active time.
func readStream(n *engine.Node, r *reader, t byte) (any, error) {
	ver := 1
	switch t {
	case TypeStreamListpacks2:
		ver = 2
	case TypeStreamListpacks3:
		ver = 3
	}
	nodes, err := r.count(2)
	if err != nil {
		return nil, err
	}
	s := engine.NewStream()
	for range nodes {
		key, err := r.string()
		if err != nil || len(key) != 16 {
			return nil, ErrBadData
		}
		master := engine.StreamID{Ms: binary.BigEndian.Uint64(key), Seq: binary.BigEndian.Uint64(key[8:])}
		lp, err := r.string()
		if err != nil {
			return nil, err
		}
		// A block without live entries is refused, as Valkey never
		// keeps one.
		if !loadStreamListpack(s, master, lp) {
			return nil, ErrBadData
		}
	}
	var m engine.StreamMeta
	if m.Length, err = r.plainLen(); err != nil {
		return nil, err
	}
	if m.LastID, err = r.lenID(); err != nil {
		return nil, err
	}
	if ver >= 2 {
		if m.FirstID, err = r.lenID(); err != nil {
			return nil, err
		}
		if m.MaxDeletedID, err = r.lenID(); err != nil {
			return nil, err
		}
		if m.EntriesAdded, err = r.plainLen(); err != nil {
			return nil, err
		}
	} else {
		m.EntriesAdded = m.Length
	}
	if !s.LoadMeta(m) {
		return nil, ErrBadData
	}
	groups, err := r.count(3)
	if err != nil {
		return nil, err
	}
	for range groups {
		name, err := r.string()
		if err != nil {
			return nil, err
		}
		name = clone(name)
		last, err := r.lenID()
		if err != nil {
			return nil, err
		}
		var entriesRead int64
		if ver >= 2 {
			v, err := r.plainLen()
			if err != nil {
				return nil, err
			}
			entriesRead = int64(v)
		} else {
			entriesRead = s.EstimateEntriesRead(last)
		}
		if !s.LoadGroup(name, last, entriesRead) {
			return nil, ErrBadData
		}
		pel, err := r.count(16 + 8 + 1)
		if err != nil {
			return nil, err
		}
		for range pel {
			var p engine.StreamPending
			if p.ID, err = r.rawID(); err != nil {
				return nil, err
			}
			if p.DeliveryTime, err = r.ms(); err != nil {
				return nil, err
			}
			c, err := r.plainLen()
			if err != nil {
				return nil, err
			}
			p.DeliveryCount = int64(c)
			if !s.LoadPending(name, p) {
				return nil, ErrBadData
			}
		}
		consumers, err := r.count(1 + 8 + 1)
		if err != nil {
			return nil, err
		}
		for range consumers {
			cname, err := r.string()
			if err != nil {
				return nil, err
			}
			cname = clone(cname)
			seen, err := r.ms()
			if err != nil {
				return nil, err
			}
			active := seen
			if ver >= 3 {
				if active, err = r.ms(); err != nil {
					return nil, err
				}
			}
			if !s.LoadConsumer(name, cname, seen, active) {
				return nil, ErrBadData
			}
			cp, err := r.count(16)
			if err != nil {
				return nil, err
			}
			for range cp {
				id, err := r.rawID()
				if err != nil {
					return nil, err
				}
				if !s.LoadConsumerPending(name, cname, id) {
					return nil, ErrBadData
				}
			}
		}
	}
	if !s.LoadDone() {
		return nil, ErrBadData
	}
	return s, nil
}
