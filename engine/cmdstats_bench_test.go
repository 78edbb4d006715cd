package engine

import "testing"

// benchTenant is benchCmd for a client of a tenant namespace.
func benchTenant(b *testing.B, argv ...string) (*Node, *Ctx) {
	b.Helper()
	n, c := benchCmd(b, argv...)
	c.Client.NS = n.NewNamespace("t")
	return n, c
}

func BenchmarkSetOverwriteTenant(b *testing.B) {
	n, c := benchTenant(b, "SET", "key:000001", "xxx")
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkGetTenant(b *testing.B) {
	n, c := benchTenant(b, "GET", "key:000001")
	n.Call(&Ctx{Args: [][]byte{[]byte("set"), []byte("key:000001"), []byte("xxx")},
		R: newRecordReply(), Cmd: n.Table().Lookup([]byte("set")), Client: c.Client})
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}
