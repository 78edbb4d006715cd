package engine

import "testing"

func TestMemoryUsage(t *testing.T) {
	k := newKT(t)
	usage := func(key string) (int64, bool) {
		var n int64
		var ok bool
		k.cl.DB = 0
		c := Ctx{Args: [][]byte{[]byte("memory"), []byte("usage"), []byte(key)}, R: k.rec, Client: k.cl}
		c.Cmd = &Command{Name: "x", Flags: NoKeyspace, Run: func(c *Ctx) { n, ok = c.MemoryUsage([]byte(key)) }}
		k.n.Call(&c)
		return n, ok
	}
	if _, ok := usage("missing"); ok {
		t.Fatal("missing key has a size")
	}
	k.is(okReply(), "SET", "int", "12345")
	k.is(okReply(), "SET", "small", "abc")
	big := make([]byte, 10000)
	k.is(okReply(), "SET", "big", string(big))
	ni, _ := usage("int")
	ns, _ := usage("small")
	nb, _ := usage("big")
	if !(ni > 0 && ns > 0 && ns < nb && nb >= 10000) {
		t.Fatalf("sizes int=%d small=%d big=%d", ni, ns, nb)
	}
	k.is(intReply(1), "EXPIRE", "small", "100")
	if nv, _ := usage("small"); nv <= ns {
		t.Fatalf("a TTL costs nothing: %d <= %d", nv, ns)
	}
}
