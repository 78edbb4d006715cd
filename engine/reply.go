package engine

// Reply is how command handlers answer. The front end implements it for
// RESP2 and RESP3; tests use a recording implementation. Aggregates are
// announced with their length and followed by exactly that many elements
// (for Map, twice that many: key, value, key, value...).
type Reply interface {
	// Simple writes a status reply such as "OK" (+OK).
	Simple(s string)
	// Error writes an error reply; msg is the whole wire text, prefix
	// included ("ERR ...", "WRONGTYPE ...").
	Error(msg string)
	// Int writes an integer.
	Int(n int64)
	// Bulk writes a binary-safe string.
	Bulk(b []byte)
	// BulkString writes a binary-safe string.
	BulkString(s string)
	// Null writes a null bulk string ($-1 in RESP2, _ in RESP3).
	Null()
	// NullArray writes a null array (*-1 in RESP2, _ in RESP3).
	NullArray()
	// Array starts an array of n elements.
	Array(n int)
	// Map starts a map of n pairs (a flat array of 2n in RESP2).
	Map(n int)
	// Set starts a set of n elements (an array in RESP2).
	Set(n int)
	// Double writes a floating point number as Valkey's addReplyDouble
	// does (a bulk string in RESP2).
	Double(f float64)
	// Bool writes a boolean (an integer 1 or 0 in RESP2).
	Bool(b bool)
	// Verbatim writes a verbatim string with a three-letter format such
	// as "txt" (a bulk string in RESP2).
	Verbatim(format, s string)
	// BigNumber writes a big number given in decimal (a bulk string in RESP2).
	BigNumber(s string)
	// Push starts an out-of-band push of n elements (an array in RESP2).
	Push(n int)
	// Proto returns the protocol version in use, 2 or 3.
	Proto() int
}

// ReplyOK writes +OK.
func ReplyOK(r Reply) { r.Simple("OK") }

// ReplyStrings writes an array of bulk strings.
func ReplyStrings(r Reply, ss []string) {
	r.Array(len(ss))
	for _, s := range ss {
		r.BulkString(s)
	}
}
