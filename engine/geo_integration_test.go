package engine_test

import (
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

// Geo replies over the wire: in RESP3 coordinates are doubles printed with
// GEOPOS's 17 decimals, distances stay bulk strings (replies from Valkey 8).
func TestGeoOverRESP(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}, ":2\r\n"},
		{[]string{"GEOPOS", "Sicily", "Palermo", "nosuch"}, "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n"},
		{[]string{"HELLO", "3"}, ""},
		{[]string{"GEOPOS", "Sicily", "Palermo", "nosuch"}, "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "Catania", "km"}, "$8\r\n166.2742\r\n"},
		{[]string{"GEODIST", "Sicily", "Palermo", "nosuch"}, "_\r\n"},
		{[]string{"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km", "WITHCOORD", "WITHDIST", "WITHHASH"},
			"*1\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"},
		{[]string{"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "near"}, ":2\r\n"},
		{[]string{"ZCARD", "near"}, ":2\r\n"},
		{[]string{"GEOSEARCHSTORE", "near", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"}, ":0\r\n"},
		{[]string{"EXISTS", "near"}, ":0\r\n"},
	} {
		got := c.Do(step.args...)
		if step.want != "" && got != step.want {
			t.Errorf("%q: got %q, want %q", step.args, got, step.want)
		}
	}
}
