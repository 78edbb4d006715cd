package engine

import (
	"math"
	"strconv"
)

// streamID is a stream entry ID: milliseconds and a sequence number,
// ordered as one 128-bit number.
type streamID struct {
	ms, seq uint64
}

// maxStreamID is the largest possible ID, "+" in ranges.
var maxStreamID = streamID{math.MaxUint64, math.MaxUint64}

func (a streamID) less(b streamID) bool {
	return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq)
}

// cmp returns -1, 0 or 1 as a is before, equal to or after b.
func (a streamID) cmp(b streamID) int {
	switch {
	case a.less(b):
		return -1
	case a == b:
		return 0
	}
	return 1
}

func (a streamID) isZero() bool { return a.ms == 0 && a.seq == 0 }

// incr returns the ID's successor; ok is false (and the ID 0-0) when it is
// the largest ID, as Valkey's streamIncrID.
func (a streamID) incr() (streamID, bool) {
	switch {
	case a.seq != math.MaxUint64:
		return streamID{a.ms, a.seq + 1}, true
	case a.ms != math.MaxUint64:
		return streamID{a.ms + 1, 0}, true
	}
	return streamID{}, false
}

// decr returns the ID's predecessor; ok is false (and the ID the largest)
// for 0-0, as Valkey's streamDecrID.
func (a streamID) decr() (streamID, bool) {
	switch {
	case a.seq != 0:
		return streamID{a.ms, a.seq - 1}, true
	case a.ms != 0:
		return streamID{a.ms - 1, math.MaxUint64}, true
	}
	return maxStreamID, false
}

// appendTo formats the ID as <ms>-<seq>.
func (a streamID) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, a.ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, a.seq, 10)
}

func (a streamID) String() string { return string(a.appendTo(nil)) }

// replyID writes an ID as a bulk string.
func (c *Ctx) replyID(id streamID) {
	c.R.Bulk(id.appendTo(c.scratch[:0]))
}

// idParse says how parseStreamID treats its argument.
type idParse struct {
	// strict refuses "-" and "+".
	strict bool
	// missingSeq is the sequence of an ID given as <ms> alone.
	missingSeq uint64
	// allowSeqStar accepts <ms>-* (XADD); seqGiven reports it.
	allowSeqStar bool
}

// parseStreamID parses an ID argument as Valkey's
// streamGenericParseIDOrReply; seqGiven is false for <ms>-*.
func parseStreamID(arg []byte, p idParse) (id streamID, seqGiven, ok bool) {
	if len(arg) > 127 {
		return id, false, false
	}
	s := arg
	for i, c := range s { // C string semantics: stop at a NUL
		if c == 0 {
			s = s[:i]
			break
		}
	}
	if len(s) == 1 && (s[0] == '-' || s[0] == '+') {
		if p.strict {
			return id, false, false
		}
		if s[0] == '-' {
			return streamID{}, true, true
		}
		return maxStreamID, true, true
	}
	msPart, seqPart, dash := s, []byte(nil), false
	for i, c := range s {
		if c == '-' {
			msPart, seqPart, dash = s[:i], s[i+1:], true
			break
		}
	}
	ms, ok := parseULL(msPart)
	if !ok {
		return id, false, false
	}
	seq := p.missingSeq
	seqGiven = true
	if dash {
		if p.allowSeqStar && len(seqPart) == 1 && seqPart[0] == '*' {
			seq, seqGiven = 0, false
		} else if seq, ok = parseULL(seqPart); !ok {
			return id, false, false
		}
	}
	return streamID{ms, seq}, seqGiven, true
}

// parseULL is Valkey's string2ull: a strict integer that is not negative,
// or else what C's strtoull accepts whole (leading spaces, a sign, leading
// zeros; a minus wraps around).
func parseULL(b []byte) (uint64, bool) {
	if n, ok := parseStrictInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// streamIDArg parses an ID argument, replying Valkey's error when it is not
// one.
func (c *Ctx) streamIDArg(arg []byte, p idParse) (streamID, bool) {
	id, _, ok := parseStreamID(arg, p)
	if !ok {
		c.Error(ErrStreamBadID)
	}
	return id, ok
}

// intervalID parses a range bound as Valkey's streamParseIntervalIDOrReply
// followed by the exclusive-bound adjustment: "(" excludes the ID itself.
// start selects the start bound (missing sequence 0, "(" moves forward)
// over the end bound (missing sequence max, "(" moves back).
func (c *Ctx) intervalID(arg []byte, start bool) (streamID, bool) {
	p := idParse{}
	if !start {
		p.missingSeq = math.MaxUint64
	}
	excl := len(arg) > 1 && arg[0] == '('
	if excl {
		arg = arg[1:]
		p.strict = true
	}
	id, ok := c.streamIDArg(arg, p)
	if !ok || !excl {
		return id, ok
	}
	if start {
		if id, ok = id.incr(); !ok {
			c.Error(ErrStreamStartInterval)
		}
		return id, ok
	}
	if id, ok = id.decr(); !ok {
		c.Error(ErrStreamEndInterval)
	}
	return id, ok
}
