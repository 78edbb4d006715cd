package snapshot

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
)

// The crash test: a child process writes snapshots in a loop and is
// killed with SIGKILL at random moments; after each kill the store must
// open and load exactly one complete snapshot, at least as new as the last
// one the child saw committed.

const (
	crashEnvDir   = "FLECT_SNAPSHOT_CRASH_DIR"
	crashEnvStart = "FLECT_SNAPSHOT_CRASH_START"
	crashKeys     = 1500
	crashKills    = 20
)

// crashValue is key i's value in snapshot number gen.
func crashValue(gen, i int) string {
	return "gen" + strconv.Itoa(gen) + ":" + strings.Repeat("x", (i*37+gen*11)%1500)
}

// TestCrashChild is the child's body; it runs only when re-executed by
// TestCrash.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	gen, _ := strconv.Atoi(os.Getenv(crashEnvStart))
	st, err := Open(dir, quietLog())
	if err != nil {
		fmt.Println("open failed:", err)
		os.Exit(2)
	}
	for ; ; gen++ {
		w := st.NewWriter()
		fmt.Printf("started %d\n", gen)
		for i := range crashKeys {
			if err := w.Add("", i%3, "k"+strconv.Itoa(i), &engine.Str{B: []byte(crashValue(gen, i))}, 0); err != nil {
				fmt.Println("add failed:", err)
				os.Exit(2)
			}
		}
		if gen%4 == 0 { // a record split over fragments
			big := &engine.Str{B: []byte(strings.Repeat(strconv.Itoa(gen%10), chunkSize+chunkSize/2))}
			if err := w.Add("", 0, "big", big, 0); err != nil {
				fmt.Println("add failed:", err)
				os.Exit(2)
			}
		}
		if err := w.Commit(Meta{Time: time.UnixMilli(int64(gen))}); err != nil {
			fmt.Println("commit failed:", err)
			os.Exit(2)
		}
		fmt.Printf("committed %d\n", gen)
	}
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	deadline := time.Now().Add(10 * time.Second)
	next, lastLoaded, kills, midWrite := 1, 0, 0, 0
	for kill := 0; kill < crashKills && time.Now().Before(deadline); kill++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvStart+"="+strconv.Itoa(next))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		committed, started := 0, 0
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Most kills come a random moment after the child started
		// writing; one in four a random moment after it was spawned
		// (during Open and its cleanup). The last kill waits for a
		// commit, so that the test sees snapshots however slow the
		// machine.
		delay := time.Duration(5+rand.IntN(150)) * time.Millisecond
		armAt := "started "
		switch {
		case kill == crashKills-1 || lastLoaded == 0 && kill >= crashKills/2:
			armAt = "committed "
		case rand.IntN(4) == 0:
			armAt = ""
		}
		timer := time.NewTimer(time.Hour)
		if armAt == "" {
			timer.Reset(delay)
		}
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				if n, ok := strings.CutPrefix(l, "committed "); ok {
					committed, _ = strconv.Atoi(n)
				} else if n, ok := strings.CutPrefix(l, "started "); ok {
					started, _ = strconv.Atoi(n)
				} else if strings.Contains(l, "failed") {
					t.Fatalf("child: %s", l)
				}
				if armAt != "" && strings.HasPrefix(l, armAt) {
					armAt = ""
					timer.Reset(delay)
				}
			case <-timer.C:
				cmd.Process.Signal(syscall.SIGKILL)
				timer.Reset(time.Hour)
			}
		}
		cmd.Wait()

		st, err := Open(dir, quietLog())
		if err != nil {
			t.Fatalf("kill %d: Open: %v", kill, err)
		}
		tn := newTNode(t)
		stats, err := st.Load(tn.n, nil)
		if err != nil {
			t.Fatalf("kill %d: Load: %v", kill, err)
		}
		gen := checkCrashSnapshot(t, tn, stats)
		if gen < committed || gen < lastLoaded || started > 0 && gen > started {
			t.Fatalf("kill %d: loaded snapshot %d; child committed %d, started %d; previously loaded %d",
				kill, gen, committed, started, lastLoaded)
		}
		st.Close()
		kills++
		if started > committed {
			midWrite++
		}
		lastLoaded = gen
		next = max(next, started+1, gen+1)
	}
	if lastLoaded == 0 {
		t.Fatal("no snapshot was ever committed")
	}
	t.Logf("%d kills, %d while a snapshot was being written; last snapshot loaded: %d", kills, midWrite, lastLoaded)
}

// checkCrashSnapshot verifies a loaded crash-test snapshot is complete and
// from one generation, and returns that generation (0 for none).
func checkCrashSnapshot(t *testing.T, tn *tnode, stats LoadStats) int {
	t.Helper()
	if !stats.Found {
		return 0
	}
	gen := int(stats.Manifest.Time.UnixMilli())
	want := crashKeys
	if gen%4 == 0 {
		want++
	}
	if stats.Keys != int64(want) {
		t.Fatalf("snapshot %d: %d keys, want %d", gen, stats.Keys, want)
	}
	for i := range crashKeys {
		r := tn.doIn("", i%3, "GET", "k"+strconv.Itoa(i))
		v := crashValue(gen, i)
		if r != "$"+strconv.Itoa(len(v))+"\r\n"+v+"\r\n" {
			t.Fatalf("snapshot %d: key %d = %.60q", gen, i, r)
		}
	}
	return gen
}
