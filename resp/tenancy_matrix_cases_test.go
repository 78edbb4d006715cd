package resp_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/flect-kv/flect/engine/cmddoc"
	"github.com/flect-kv/flect/resp/resptest"
)

// The cases of the isolation matrix (tenancy_matrix_test.go): a request
// per command of the table, built from its Valkey argument grammar
// (engine/cmddoc) with the fixtures' key names, or written out where the
// grammar's minimal form says little.

// matrixCase is one command run of the matrix.
type matrixCase struct {
	name string   // full command name, "client|list"
	args []string // the request
	cmp  cmpKind
	// nosync: the connection cannot answer a PING afterwards (QUIT,
	// MONITOR, CLIENT REPLY OFF ...), so trailing frames are not
	// compared.
	nosync bool
	// pre runs on the command's connection first (MULTI before EXEC).
	pre [][]string
	// extra marks the full form of a command (every optional argument):
	// an error reply of the private node is no failure of the matrix.
	extra bool
}

type cmpKind int

const (
	cmpExact    cmpKind = iota
	cmpSorted           // the top-level aggregate's order is unspecified
	cmpType             // nondeterministic output: the reply type only
	cmpKeyspace         // INFO keyspace: avg_ttl moves with the clock
)

var avgTTL = regexp.MustCompile(`avg_ttl=\d+`)

// matrixKeys are the key names a command's first, second and third key
// arguments get, by command group.
var matrixKeys = map[string][3]string{
	"string":      {"s", "s2", "s3"},
	"bitmap":      {"bits", "s2", "bits3"},
	"list":        {"l", "l2", "l3"},
	"set":         {"set", "set2", "set3"},
	"hash":        {"h", "h2", "h3"},
	"sorted-set":  {"z", "z2", "z3"},
	"stream":      {"x", "x2", "x3"},
	"hyperloglog": {"hll", "hll2", "hll3"},
	"geo":         {"geo", "geo2", "geo3"},
}

// matrixStrings are the values of string arguments, by argument name.
var matrixStrings = map[string]string{
	"member": "a", "element": "a", "field": "a", "pivot": "b", "value": "1",
	"channel": "ch", "shardchannel": "ch", "pattern": "ch*", "message": "hi",
	"group": "g", "consumer": "c1", "consumername": "c1", "id": "1-1", "start": "-", "end": "+",
	"min": "-inf", "max": "+inf", "min-id": "-", "max-id": "+", "username": "nouser", "password": "pw",
	"parameter": "maxmemory", "connection-name": "n", "clientname": "n", "libname": "lib",
	"libver": "1", "key": "s", "subcommand": "get", "encoding": "raw", "serialized-value": "x",
	"lon": "13.4", "lat": "52.5", "unit": "m", "increment": "2", "delta": "1", "offset": "0",
	"ttl": "0", "section": "keyspace", "protover": "2", "src": "s", "dest": "s3",
	"destination": "s3", "source": "s", "data": "a", "last-id": "1-9", "sortby": "w_*",
	"fields": "a", "lastid": "1-9", "code": "1", "index-or-id": "1-1", "member1": "a", "member2": "b",
	"cursor": "0",
}

// matrixInts are the values of integer and double arguments, by name.
var matrixInts = map[string]string{
	"count": "2", "timeout": "0.01", "db": "1", "index": "0", "start": "0", "stop": "-1",
	"end": "-1", "seconds": "1000", "milliseconds": "1000000", "numkeys": "1",
	"increment": "2", "score": "1.5", "longitude": "13.4", "latitude": "52.5", "radius": "500",
	"width": "500", "height": "500", "offset": "0", "bit": "1", "len": "2", "rank": "1",
	"numfields": "1", "min-idle-time": "0", "unix-time-seconds": "4102444800",
	"unix-time-milliseconds": "4102444800000", "destination-db": "1", "timeout-ms": "10",
	"numreplicas": "0", "maxlen": "10", "minid": "1-0", "length": "2", "client-id": "999999",
	"index1": "0", "index2": "1", "ms": "0", "key-start": "0", "threshold": "1000",
	"entries-read": "1", "value": "1", "min": "0", "max": "10", "pos": "0", "limit": "10",
	"cursor": "0",
}

// matrixArgs builds a request from a command's argument grammar: the
// required arguments (and the optional ones too with full), the first
// alternative of each choice, one instance of each repeated argument.
func matrixArgs(doc *cmddoc.Doc, full bool) []string {
	keys := matrixKeys[doc.Group]
	if keys[0] == "" {
		keys = [3]string{"s", "s2", "s3"}
	}
	nkey := 0
	var out []string
	var walk func(args []cmddoc.Arg, inChoice bool)
	walk = func(args []cmddoc.Arg, inChoice bool) {
		for i := range args {
			a := &args[i]
			if a.Flags&cmddoc.ArgOptional != 0 && !full {
				continue
			}
			if a.Token != "" {
				out = append(out, a.Token)
			}
			name := strings.ToLower(a.Name)
			switch a.Type {
			case "key":
				out = append(out, keys[min(nkey, 2)])
				nkey++
			case "string":
				v, ok := matrixStrings[name]
				if !ok {
					v = "v"
				}
				out = append(out, v)
			case "integer", "double":
				v, ok := matrixInts[name]
				if !ok {
					v = "1"
				}
				out = append(out, v)
			case "unix-time":
				out = append(out, "4102444800")
			case "pattern":
				out = append(out, "*")
			case "pure-token":
			case "oneof":
				if len(a.Args) > 0 {
					walk(a.Args[:1], true)
				}
			case "block":
				walk(a.Args, false)
			}
			if inChoice {
				return
			}
		}
	}
	walk(doc.Args, false)
	return append(strings.Split(strings.ToUpper(doc.Name), "|"), out...)
}

// matrixOverrides replaces the generated request of commands whose
// minimal form says little (or cannot run twice on a test connection).
var matrixOverrides = map[string][]string{
	"client|kill": {"CLIENT", "KILL", "ID", "999999"},
	// Refused to stores: arguments that would name the other store.
	"debug":                   {"DEBUG", "SLEEP", "0"},
	"flect.kv|create":         {"FLECT.KV", "CREATE", "zz"},
	"flect.kv|delete":         {"FLECT.KV", "DELETE", "zz"},
	"flect.kv|flush":          {"FLECT.KV", "FLUSH", "b"},
	"flect.kv|info":           {"FLECT.KV", "INFO", "b"},
	"flect.kv|rotate":         {"FLECT.KV", "ROTATE", "b"},
	"flect.kv|set":            {"FLECT.KV", "SET", "b", "MAXMEMORY", "1"},
	"flect.kv|url":            {"FLECT.KV", "URL", "b"},
	"client|reply":            {"CLIENT", "REPLY", "ON"},
	"client|unblock":          {"CLIENT", "UNBLOCK", "999999"},
	"client|pause":            {"CLIENT", "PAUSE", "10", "WRITE"},
	"auth":                    {"AUTH", "nouser", "pw"},
	"hello":                   {"HELLO", "3"},
	"sort":                    {"SORT", "l", "BY", "w_*", "GET", "o_*", "GET", "#"},
	"sort_ro":                 {"SORT_RO", "l", "BY", "w_*", "GET", "o_*"},
	"copy":                    {"COPY", "l", "l3", "DB", "1"},
	"move":                    {"MOVE", "s2", "1"},
	"swapdb":                  {"SWAPDB", "0", "1"},
	"restore":                 {"RESTORE", "l3", "0", "<payload>"}, // DUMP l, filled in by the test
	"spop":                    {"SPOP", "set", "100"},
	"config|get":              {"CONFIG", "GET", "maxmemory*"},
	"config|set":              {"CONFIG", "SET", "notify-keyspace-events", "KEA"},
	"object|freq":             {"OBJECT", "FREQ", "s"},
	"wait":                    {"WAIT", "0", "0"},
	"select":                  {"SELECT", "1"},
	"blpop":                   {"BLPOP", "l3", "l", "0.01"},
	"brpop":                   {"BRPOP", "l3", "l", "0.01"},
	"bzpopmin":                {"BZPOPMIN", "z3", "z", "0.01"},
	"bzpopmax":                {"BZPOPMAX", "z3", "z", "0.01"},
	"sintercard":              {"SINTERCARD", "2", "set", "set2"},
	"zintercard":              {"ZINTERCARD", "2", "z", "z2"},
	"zunion":                  {"ZUNION", "2", "z", "z2", "WITHSCORES"},
	"zinter":                  {"ZINTER", "2", "z", "z2", "WITHSCORES"},
	"zdiff":                   {"ZDIFF", "2", "z", "z2", "WITHSCORES"},
	"zunionstore":             {"ZUNIONSTORE", "z3", "2", "z", "z2"},
	"zinterstore":             {"ZINTERSTORE", "z3", "2", "z", "z2"},
	"zdiffstore":              {"ZDIFFSTORE", "z3", "2", "z", "z2"},
	"zrangestore":             {"ZRANGESTORE", "z3", "z", "0", "-1"},
	"sunionstore":             {"SUNIONSTORE", "set3", "set", "set2"},
	"sinterstore":             {"SINTERSTORE", "set3", "set", "set2"},
	"sdiffstore":              {"SDIFFSTORE", "set3", "set", "set2"},
	"sunion":                  {"SUNION", "set", "set2"},
	"sinter":                  {"SINTER", "set", "set2"},
	"sdiff":                   {"SDIFF", "set", "set2"},
	"smove":                   {"SMOVE", "set", "set2", "a"},
	"lmove":                   {"LMOVE", "l", "l2", "LEFT", "RIGHT"},
	"blmove":                  {"BLMOVE", "l", "l2", "LEFT", "RIGHT", "0.01"},
	"rpoplpush":               {"RPOPLPUSH", "l", "l2"},
	"brpoplpush":              {"BRPOPLPUSH", "l", "l2", "0.01"},
	"lmpop":                   {"LMPOP", "2", "l3", "l", "LEFT", "COUNT", "2"},
	"blmpop":                  {"BLMPOP", "0.01", "2", "l3", "l", "LEFT"},
	"zmpop":                   {"ZMPOP", "2", "z3", "z", "MIN", "COUNT", "2"},
	"bzmpop":                  {"BZMPOP", "0.01", "2", "z3", "z", "MAX"},
	"mget":                    {"MGET", "s", "s2", "s3", "l"},
	"mset":                    {"MSET", "s", "new", "s3", "x"},
	"msetnx":                  {"MSETNX", "s3", "new", "s4", "x"},
	"del":                     {"DEL", "s", "l", "s3"},
	"unlink":                  {"UNLINK", "s", "l", "s3"},
	"exists":                  {"EXISTS", "s", "l", "s3", "s"},
	"touch":                   {"TOUCH", "s", "l", "s3"},
	"rename":                  {"RENAME", "s", "s3"},
	"renamenx":                {"RENAMENX", "s", "s2"},
	"keys":                    {"KEYS", "*"},
	"scan":                    {"SCAN", "0", "COUNT", "1000"},
	"bitop":                   {"BITOP", "OR", "bits3", "bits", "s2"},
	"lcs":                     {"LCS", "s2", "o_a"},
	"pfmerge":                 {"PFMERGE", "hll3", "hll", "hll2"},
	"pfcount":                 {"PFCOUNT", "hll", "hll2"},
	"geosearchstore":          {"GEOSEARCHSTORE", "geo3", "geo", "FROMMEMBER", "a", "BYRADIUS", "500", "km", "ASC"},
	"geosearch":               {"GEOSEARCH", "geo", "FROMMEMBER", "a", "BYRADIUS", "500", "km", "ASC", "WITHDIST"},
	"georadius":               {"GEORADIUS", "geo", "15", "37", "500", "km", "ASC", "STORE", "geo3"},
	"georadius_ro":            {"GEORADIUS_RO", "geo", "15", "37", "500", "km", "ASC"},
	"georadiusbymember":       {"GEORADIUSBYMEMBER", "geo", "a", "500", "km", "ASC", "STOREDIST", "geo3"},
	"georadiusbymember_ro":    {"GEORADIUSBYMEMBER_RO", "geo", "a", "500", "km", "ASC"},
	"xread":                   {"XREAD", "COUNT", "5", "STREAMS", "x", "x2", "0", "0"},
	"xreadgroup":              {"XREADGROUP", "GROUP", "g", "c2", "COUNT", "5", "STREAMS", "x", ">"},
	"xgroup|create":           {"XGROUP", "CREATE", "x", "g2", "0"},
	"xgroup|createconsumer":   {"XGROUP", "CREATECONSUMER", "x", "g", "c9"},
	"xgroup|setid":            {"XGROUP", "SETID", "x", "g", "0"},
	"xclaim":                  {"XCLAIM", "x", "g", "c2", "0", "1-1", "JUSTID"},
	"xautoclaim":              {"XAUTOCLAIM", "x", "g", "c2", "0", "0", "JUSTID"},
	"xadd":                    {"XADD", "x", "2-1", "f", "v"},
	"xsetid":                  {"XSETID", "x", "9-9"},
	"xtrim":                   {"XTRIM", "x", "MAXLEN", "1"},
	"xpending":                {"XPENDING", "x", "g"},
	"xinfo|stream":            {"XINFO", "STREAM", "x"},
	"setrange":                {"SETRANGE", "s2", "2", "XY"},
	"getex":                   {"GETEX", "s", "EX", "1000"},
	"set":                     {"SET", "s", "new", "GET", "EX", "1000"},
	"setex":                   {"SETEX", "s3", "1000", "v"},
	"psetex":                  {"PSETEX", "s3", "1000000", "v"},
	"incrbyfloat":             {"INCRBYFLOAT", "s", "1.5"},
	"hincrbyfloat":            {"HINCRBYFLOAT", "h", "a", "1.5"},
	"hsetex":                  {"HSETEX", "h", "EX", "1000", "FIELDS", "1", "a", "9"},
	"hgetex":                  {"HGETEX", "h", "EX", "1000", "FIELDS", "1", "a"},
	"zadd":                    {"ZADD", "z", "5", "e", "1", "a"},
	"zrange":                  {"ZRANGE", "z", "0", "-1", "WITHSCORES"},
	"zrangebyscore":           {"ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"},
	"zrevrangebyscore":        {"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"},
	"zrangebylex":             {"ZRANGEBYLEX", "z", "-", "+"},
	"zrevrangebylex":          {"ZREVRANGEBYLEX", "z", "+", "-"},
	"zlexcount":               {"ZLEXCOUNT", "z", "-", "+"},
	"zremrangebylex":          {"ZREMRANGEBYLEX", "z", "-", "+"},
	"hexpire":                 {"HEXPIRE", "h", "1000", "FIELDS", "1", "a"},
	"hpexpire":                {"HPEXPIRE", "h", "1000000", "FIELDS", "1", "a"},
	"hexpireat":               {"HEXPIREAT", "h", "4102444800", "FIELDS", "1", "a"},
	"hpexpireat":              {"HPEXPIREAT", "h", "4102444800000", "FIELDS", "1", "a"},
	"expire":                  {"EXPIRE", "s", "1000"},
	"pexpire":                 {"PEXPIRE", "s", "1000000"},
	"linsert":                 {"LINSERT", "l", "BEFORE", "b", "n"},
	"lpos":                    {"LPOS", "l", "b"},
	"lset":                    {"LSET", "l", "0", "n"},
	"subscribe":               {"SUBSCRIBE", "ch"},
	"ssubscribe":              {"SSUBSCRIBE", "ch"},
	"psubscribe":              {"PSUBSCRIBE", "ch*"},
	"publish":                 {"PUBLISH", "ch", "hi"},
	"spublish":                {"SPUBLISH", "ch", "hi"},
	"pubsub|channels":         {"PUBSUB", "CHANNELS"},
	"pubsub|shardchannels":    {"PUBSUB", "SHARDCHANNELS"},
	"pubsub|numsub":           {"PUBSUB", "NUMSUB", "ch", "other"},
	"pubsub|shardnumsub":      {"PUBSUB", "SHARDNUMSUB", "ch"},
	"memory|usage":            {"MEMORY", "USAGE", "l"},
	"command|getkeys":         {"COMMAND", "GETKEYS", "SET", "s", "v"},
	"command|getkeysandflags": {"COMMAND", "GETKEYSANDFLAGS", "LMOVE", "l", "l2", "LEFT", "RIGHT"},
	"command|info":            {"COMMAND", "INFO", "get", "flect.kv"},
	"command|docs":            {"COMMAND", "DOCS", "get"},
	"info":                    {"INFO", "keyspace"},
	"pfdebug":                 {"PFDEBUG", "ENCODING", "hll"},
	"bitfield":                {"BITFIELD", "bits", "INCRBY", "u8", "0", "5", "GET", "u8", "0"},
	"bitfield_ro":             {"BITFIELD_RO", "bits", "GET", "u8", "0"},
	"dump":                    {"DUMP", "l"},
}

// matrixCompare overrides the comparison of a command's replies.
var matrixCompare = map[string]cmpKind{
	"hello":           cmpType, // the connection's id
	"lastsave":        cmpType, // the nodes' start times
	"info":            cmpKeyspace,
	"client|id":       cmpType,
	"spop":            cmpSorted,
	"xpending":        cmpExact,
	"object|idletime": cmpType,
}

// matrixPre are the commands a case's connection runs before the
// command, in every namespace.
var matrixPre = map[string][][]string{
	"exec":           {{"MULTI"}, {"INCR", "s"}, {"RPUSH", "l", "e"}},
	"discard":        {{"MULTI"}, {"INCR", "s"}},
	"unsubscribe":    {{"SUBSCRIBE", "ch", "ch2"}},
	"punsubscribe":   {{"PSUBSCRIBE", "ch*"}},
	"sunsubscribe":   {{"SSUBSCRIBE", "ch"}},
	"client|caching": {{"CLIENT", "TRACKING", "ON", "OPTIN"}},
	"unwatch":        {{"WATCH", "s"}},
}

// matrixNoSync lists the commands after which a connection answers no
// PING (or answers it in another shape).
var matrixNoSync = map[string]bool{
	"quit": true, "monitor": true, "shutdown": true,
}

// matrixCases returns one case per command of the table.
func matrixCases(t *testing.T, n *resptest.Node) []matrixCase {
	var out []matrixCase
	add := func(full string) {
		c := matrixCase{name: full}
		doc := cmddoc.Lookup(full)
		switch {
		case matrixOverrides[full] != nil:
			c.args = matrixOverrides[full]
		case doc != nil:
			c.args = matrixArgs(doc, false)
		default:
			c.args = strings.Split(strings.ToUpper(full), "|")
		}
		if doc != nil {
			for _, tip := range doc.Tips {
				switch tip {
				case "nondeterministic_output":
					c.cmp = cmpType
				case "nondeterministic_output_order":
					c.cmp = cmpSorted
				}
			}
		}
		if k, ok := matrixCompare[full]; ok {
			c.cmp = k
		}
		c.nosync = matrixNoSync[full]
		c.pre = matrixPre[full]
		out = append(out, c)
		if doc != nil && matrixOverrides[full] == nil {
			if args := matrixArgs(doc, true); len(args) != len(c.args) {
				c.args, c.extra = args, true
				out = append(out, c)
			}
		}
	}
	for _, cmd := range n.Engine.Table().All() {
		if len(cmd.Subcommands) == 0 {
			add(cmd.FullName())
			continue
		}
		for _, sub := range cmd.Subcommands {
			add(sub.FullName())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
