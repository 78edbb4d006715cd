package script

import (
	"strconv"
	"strings"

	"github.com/flect-kv/flect/engine"
)

// fakeCaller is a small map-backed command set standing in for the engine
// in tests: strings, hashes, sets, sorted set scores, lists, and the
// errors a real Caller returns. Replies go through a Recorder, as the
// front end's Caller does.
type fakeCaller struct {
	data  map[string]any
	calls [][]string
	// kinds answers the test-only KIND command with a reply of each RESP3
	// kind, to exercise conversions no real command can produce here.
	kinds map[string]func(r engine.Reply)
	acl   func(args []string) (known, allowed bool)
	// readOnly refuses writes, as a Caller enforcing Policy.ReadOnly.
	readOnly bool
}

// fakeWrites are the fake commands flagged write.
var fakeWrites = map[string]bool{"set": true, "del": true, "incr": true, "hset": true, "sadd": true, "zadd": true, "lpush": true}

type fakeZSet map[string]float64

func newFake() *fakeCaller {
	return &fakeCaller{data: map[string]any{}}
}

// fakeArity is each fake command's Valkey arity.
var fakeArity = map[string]int{
	"ping": -1, "echo": 2, "get": 2, "set": -3, "del": -2, "incr": 2, "hset": -4,
	"hgetall": 2, "sadd": -3, "smembers": 2, "zadd": -4, "zscore": 3, "lpush": -3,
	"lrange": 4, "exists": -2, "type": 2, "eval": -3, "multi": 1, "subscribe": -2,
	"kind": 2,
}

const wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

// Call runs one command.
func (f *fakeCaller) Call(args [][]byte, resp int) Value {
	a := make([]string, len(args))
	for i, b := range args {
		a[i] = string(b)
	}
	f.calls = append(f.calls, a)
	rec := NewRecorder(resp)
	f.run(rec, a)
	return rec.Value()
}

// CheckCommand implements ACLChecker when acl is set.
func (f *fakeCaller) CheckCommand(args [][]byte) (bool, bool) {
	if f.acl == nil {
		_, known := fakeArity[strings.ToLower(string(args[0]))]
		return known, true
	}
	a := make([]string, len(args))
	for i, b := range args {
		a[i] = string(b)
	}
	return f.acl(a)
}

func (f *fakeCaller) run(r engine.Reply, a []string) {
	name := strings.ToLower(a[0])
	arity, ok := fakeArity[name]
	switch {
	case !ok:
		r.Error(ErrUnknownCommand)
		return
	case arity > 0 && len(a) != arity, arity < 0 && len(a) < -arity:
		r.Error(ErrWrongArityFromScript)
		return
	case name == "eval" || name == "multi" || name == "subscribe":
		r.Error(ErrNotAllowedFromScript)
		return
	case f.readOnly && fakeWrites[name]:
		r.Error(ErrWriteFromReadOnly)
		return
	}
	switch name {
	case "ping":
		if len(a) > 1 {
			r.BulkString(a[1])
			return
		}
		r.Simple("PONG")
	case "echo":
		r.BulkString(a[1])
	case "get":
		switch v := f.data[a[1]].(type) {
		case nil:
			r.Null()
		case string:
			r.BulkString(v)
		default:
			r.Error(wrongType)
		}
	case "set":
		if len(a) > 3 {
			r.Error("ERR syntax error")
			return
		}
		f.data[a[1]] = a[2]
		engine.ReplyOK(r)
	case "del", "exists":
		n := int64(0)
		for _, k := range a[1:] {
			if _, ok := f.data[k]; ok {
				n++
				if name == "del" {
					delete(f.data, k)
				}
			}
		}
		r.Int(n)
	case "incr":
		f.incr(r, a[1])
	case "hset", "hgetall":
		f.hash(r, name, a)
	case "sadd", "smembers":
		f.set(r, name, a)
	case "zadd", "zscore":
		f.zset(r, name, a)
	case "lpush", "lrange":
		f.list(r, name, a)
	case "type":
		switch f.data[a[1]].(type) {
		case nil:
			r.Simple("none")
		case string:
			r.Simple("string")
		case *fakeHash:
			r.Simple("hash")
		case fakeSet:
			r.Simple("set")
		case fakeZSet:
			r.Simple("zset")
		case []string:
			r.Simple("list")
		}
	case "kind":
		if fn := f.kinds[a[1]]; fn != nil {
			fn(r)
			return
		}
		r.Error("ERR no such kind")
	}
}

func (f *fakeCaller) incr(r engine.Reply, k string) {
	v, ok := f.data[k]
	if !ok {
		v = "0"
	}
	s, isStr := v.(string)
	if !isStr {
		r.Error(wrongType)
		return
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.Error("ERR value is not an integer or out of range")
		return
	}
	n++
	f.data[k] = strconv.FormatInt(n, 10)
	r.Int(n)
}

// fakeHash keeps field order, as a small Valkey hash (listpack) does.
type fakeHash struct {
	fields []string
	values map[string]string
}

func (f *fakeCaller) hash(r engine.Reply, name string, a []string) {
	h, ok := f.data[a[1]].(*fakeHash)
	if !ok && f.data[a[1]] != nil {
		r.Error(wrongType)
		return
	}
	if name == "hgetall" {
		if h == nil {
			r.Map(0)
			return
		}
		r.Map(len(h.fields))
		for _, k := range h.fields {
			r.BulkString(k)
			r.BulkString(h.values[k])
		}
		return
	}
	if len(a)%2 != 0 {
		r.Error("ERR wrong number of arguments for 'hset' command")
		return
	}
	if h == nil {
		h = &fakeHash{values: map[string]string{}}
		f.data[a[1]] = h
	}
	added := int64(0)
	for i := 2; i < len(a); i += 2 {
		if _, ok := h.values[a[i]]; !ok {
			h.fields = append(h.fields, a[i])
			added++
		}
		h.values[a[i]] = a[i+1]
	}
	r.Int(added)
}

// fakeSet keeps insertion order, as a small Valkey set (listpack) does.
type fakeSet []string

func (f *fakeCaller) set(r engine.Reply, name string, a []string) {
	s, ok := f.data[a[1]].(fakeSet)
	if !ok && f.data[a[1]] != nil {
		r.Error(wrongType)
		return
	}
	if name == "smembers" {
		r.Set(len(s))
		for _, m := range s {
			r.BulkString(m)
		}
		return
	}
	added := int64(0)
	for _, m := range a[2:] {
		found := false
		for _, x := range s {
			found = found || x == m
		}
		if !found {
			s = append(s, m)
			added++
		}
	}
	f.data[a[1]] = s
	r.Int(added)
}

func (f *fakeCaller) zset(r engine.Reply, name string, a []string) {
	z, ok := f.data[a[1]].(fakeZSet)
	if !ok && f.data[a[1]] != nil {
		r.Error(wrongType)
		return
	}
	if name == "zscore" {
		if score, ok := z[a[2]]; ok {
			r.Double(score)
			return
		}
		r.Null()
		return
	}
	if z == nil {
		z = fakeZSet{}
		f.data[a[1]] = z
	}
	added := int64(0)
	for i := 2; i+1 < len(a); i += 2 {
		score, err := strconv.ParseFloat(a[i], 64)
		if err != nil {
			r.Error("ERR value is not a valid float")
			return
		}
		if _, ok := z[a[i+1]]; !ok {
			added++
		}
		z[a[i+1]] = score
	}
	r.Int(added)
}

func (f *fakeCaller) list(r engine.Reply, name string, a []string) {
	l, ok := f.data[a[1]].([]string)
	if !ok && f.data[a[1]] != nil {
		r.Error(wrongType)
		return
	}
	if name == "lrange" {
		start, _ := strconv.Atoi(a[2])
		stop, _ := strconv.Atoi(a[3])
		if stop < 0 {
			stop += len(l)
		}
		if stop >= len(l) {
			stop = len(l) - 1
		}
		if start > stop {
			r.Array(0)
			return
		}
		r.Array(stop - start + 1)
		for _, v := range l[start : stop+1] {
			r.BulkString(v)
		}
		return
	}
	for _, v := range a[2:] {
		l = append([]string{v}, l...)
	}
	f.data[a[1]] = l
	r.Int(int64(len(l)))
}
