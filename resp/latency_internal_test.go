package resp

import (
	"strings"
	"testing"
)

// The expected drawings are what Valkey's sparkline renderer
// (sparkline.c, SPARKLINE_FILL, 80 columns, 4 rows) draws for the same
// samples.
func TestSparkline(t *testing.T) {
	render := func(values []float64, labels []string) string {
		seq := make([]sparkSample, len(values))
		for i, v := range values {
			seq[i] = sparkSample{v, labels[i]}
		}
		var b strings.Builder
		sparkline(&b, seq, 80, 4)
		return b.String()
	}
	for _, tc := range []struct {
		values []float64
		labels []string
		want   string
	}{
		{[]float64{5, 5, 5}, []string{"", "", ""}, "   \n   \n   \n___\n"},
		{[]float64{300, 400}, []string{"1s", "0s"}, " #\n |\n |\n_|\n  \n10\nss\n"},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []string{"3s", "", "10m", "", "5h", "", "1d", "", "40s", "", "", ""},
			"         _o#\n      _o#|||\n   _o#||||||\n_o#|||||||||\n            \n3 1 5 1 4   \ns 0 h d 0   \n  m     s   \n"},
		// More samples than columns: a second block, scaled with the first.
		{[]float64{79, 94, 88, 83, 3, 99, 83, 20, 47, 31, 69, 73, 1, 27, 35, 98, 20, 17, 79, 16, 0, 26, 21, 37, 25, 86, 26, 88, 49, 2, 53, 18, 8, 38, 75, 76, 90, 8, 45, 61, 40, 61, 90, 7, 2, 45, 2, 100, 46, 74, 57, 90, 79, 15, 59, 65, 67, 99, 13, 95, 37, 55, 26, 65, 46, 43, 89, 11, 87, 39, 10, 19, 88, 61, 92, 10, 68, 4, 94, 44, 58, 53, 7, 4, 42},
			[]string{"7s", "7s", "12m", "12m", "7s", "", "", "", "7s", "7s", "", "", "12m", "7s", "", "7s", "", "12m", "7s", "", "", "", "", "7s", "12m", "12m", "", "", "7s", "7s", "", "7s", "7s", "12m", "", "12m", "7s", "7s", "7s", "12m", "", "7s", "", "7s", "12m", "7s", "12m", "7s", "7s", "", "", "", "", "", "7s", "7s", "7s", "7s", "12m", "7s", "", "", "7s", "12m", "", "7s", "12m", "7s", "7s", "", "12m", "12m", "7s", "", "", "12m", "7s", "", "12m", "7s", "12m", "", "12m", "7s", ""},
			"_#o_ #_        #  _      o o      __o     o    #   o_    # #      o o   o #   # \n" +
				"|||| ||   ##   |  |      | |  _   |||  o o|    | #_|| oo#| | _ o  | |   |o| # | \n" +
				"|||| || #_|| _o|  |  _ o_|_|# |  o||| #|o||  # |#|||| |||| |o|_|##| |o  ||| | |#\n" +
				"||||_||#||||_|||##|o_|#||||||_|#_||||_|||||__|_||||||o||||o||||||||o||o#|||o|_||\n" +
				"                                                                                \n" +
				"77117   77  17 7 17    711  77 771 17771 7 717177     777717  71 7177 117  17 17\n" +
				"ss22s   ss  2s s 2s    s22  ss ss2 2sss2 s s2s2ss     ssss2s  s2 s2ss 22s  2s 2s\n" +
				"  mm        m    m      mm       m m   m    m m           m    m  m   mm   m  m \n" +
				"\n" +
				"     \n" +
				"__   \n" +
				"||  #\n" +
				"||__|\n" +
				"     \n" +
				"1 17 \n" +
				"2 2s \n" +
				"m m  \n" +
				""},
	} {
		if got := render(tc.values, tc.labels); got != tc.want {
			t.Errorf("%v:\ngot\n%s\nwant\n%s", tc.values, got, tc.want)
		}
	}
}

func TestLatencyGraphAndSeries(t *testing.T) {
	var l latencyState
	l.init()
	l.addSample("command", 300, 1000)
	l.addSample("command", 250, 1000) // same second: the worst is kept
	l.addSample("command", 400, 1001)
	ts := l.series("command")
	if got := ts.ordered(); len(got) != 2 || got[0] != (latencySample{1000, 300}) || got[1] != (latencySample{1001, 400}) || ts.max != 400 {
		t.Fatalf("series %v max %d", got, ts.max)
	}
	want := "command - high 400 ms, low 300 ms (all time high 400 ms)\n" + strings.Repeat("-", 80) + "\n" +
		" #\n |\n |\n_|\n  \n10\nss\n"
	if got := latencyGraph("command", ts, 1001); got != want {
		t.Errorf("graph:\n%s\nwant\n%s", got, want)
	}
	// The ring keeps the last 160 seconds.
	for i := int64(0); i < 200; i++ {
		l.addSample("fast-command", i, 2000+i)
	}
	if got := l.series("fast-command").ordered(); len(got) != latencyTSLen || got[0].time != 2040 || got[159].time != 2199 {
		t.Errorf("ring: %d samples from %d", len(got), got[0].time)
	}
}
