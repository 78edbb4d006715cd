package snapshot

import (
	"testing"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/persistence/rdb"
)

// FuzzDecodeChunk feeds arbitrary bytes to the chunk and record decoders:
// once as a stored chunk (checksum and header checks) and once as a
// verified chunk's payload, decoding every record and its value as Load
// does. Nothing may panic, hang or allocate from an untrusted length.
func FuzzDecodeChunk(f *testing.F) {
	n := engine.NewNode(engine.Options{Logger: quietLog()})
	seed := make([]byte, chunkHeader)
	seed = appendRecordHeader(seed, "", 0, "k", 0, 2)
	seed = append(seed, rdb.TypeString, 0)
	v, _ := rdb.AppendValue(nil, int64(-5), false)
	seed = appendRecordHeader(seed, "store", 3, "key", 1_700_000_000_000, len(v))
	seed = append(seed, v...)
	f.Add(sealChunk(append([]byte(nil), seed...), 1, 0, kindRecords, 2))
	f.Add(seed[chunkHeader:])
	f.Add([]byte{flagNS, 0})
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, payload, err := openChunk(1, 0, data); err == nil {
			decodeAll(n, payload)
		}
		// The same bytes as the payload of a chunk that verifies.
		c := append(make([]byte, chunkHeader, chunkHeader+len(data)+chunkTrailer), data...)
		c = sealChunk(c, 7, 3, kindRecords, 0)
		_, _, payload, err := openChunk(7, 3, c)
		if err != nil {
			t.Fatalf("a sealed chunk does not verify: %v", err)
		}
		decodeAll(n, payload)
		decodeManifest(data)
	})
}

// decodeAll decodes records and their values until the first error.
func decodeAll(n *engine.Node, p []byte) {
	for len(p) > 0 {
		r, w, err := decodeRecord(p)
		if err != nil {
			return
		}
		if w <= 0 || w > len(p) {
			panic("decodeRecord consumed a bad length")
		}
		p = p[w:]
		rdb.ReadValue(n, r.value)
	}
}
