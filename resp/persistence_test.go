package resp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/resp/resptest"
)

// fakePersistence is a resp.Persistence with settable answers.
type fakePersistence struct {
	diskErr  bool
	saveErr  error
	saved    []bool
	reloaded int
}

func (f *fakePersistence) Info() resp.PersistenceInfo {
	return resp.PersistenceInfo{Loading: true, LoadingLoadedPerc: 42.5, LoadingETASeconds: 3, LastBgsaveOK: !f.diskErr, Saves: 7}
}
func (f *fakePersistence) ShutdownSave(force bool) error {
	f.saved = append(f.saved, force)
	return f.saveErr
}
func (f *fakePersistence) Reload(save, flush bool) error { f.reloaded++; return nil }
func (f *fakePersistence) DiskError() bool               { return f.diskErr }

func TestPersistenceHooks(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	f := &fakePersistence{diskErr: true}
	n.Server.SetPersistence(f)
	c := n.Dial(t)
	if got := c.Do("SET", "k", "v"); !strings.HasPrefix(got, "-MISCONF Valkey is configured to save RDB snapshots") {
		t.Errorf("SET after a failed save: %q", got)
	}
	if got := c.Do("PING"); !strings.HasPrefix(got, "-MISCONF") {
		t.Errorf("PING after a failed save: %q", got)
	}
	if got := c.Do("GET", "k"); got != "$-1\r\n" {
		t.Errorf("GET after a failed save: %q", got)
	}
	f.diskErr = false
	if got := c.Do("SET", "k", "v"); got != "+OK\r\n" {
		t.Errorf("SET: %q", got)
	}
	info := c.Do("INFO", "persistence")
	for _, line := range []string{"loading:1", "loading_loaded_perc:42.50", "loading_eta_seconds:3", "rdb_saves:7", "rdb_last_bgsave_status:ok"} {
		if !strings.Contains(info, line+"\r\n") {
			t.Errorf("INFO persistence lacks %q", line)
		}
	}
	if got := c.Do("DEBUG", "RELOAD", "NOSAVE"); got != "+OK\r\n" || f.reloaded != 1 {
		t.Errorf("DEBUG RELOAD: %q (%d)", got, f.reloaded)
	}
	if got := c.Do("DEBUG", "RELOAD", "BAD"); got != "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n" {
		t.Errorf("DEBUG RELOAD BAD: %q", got)
	}
	// A failed save stops SHUTDOWN unless FORCE; NOSAVE does not save.
	f.saveErr = errors.New("disk full")
	if got := c.Do("SHUTDOWN"); got != "-ERR Errors trying to SHUTDOWN. Check logs.\r\n" {
		t.Errorf("SHUTDOWN with a failing save: %q", got)
	}
	if got := c.Do("SHUTDOWN", "SAVE"); !strings.HasPrefix(got, "-ERR Errors trying") || len(f.saved) != 2 || !f.saved[1] {
		t.Errorf("SHUTDOWN SAVE: %q %v", got, f.saved)
	}
	n.Server.SetLoading(true)
	if got := c.Do("GET", "k"); got != "-LOADING Valkey is loading the dataset in memory\r\n" {
		t.Errorf("GET while loading: %q", got)
	}
	if got := c.Do("PING"); !strings.HasPrefix(got, "-LOADING") {
		t.Errorf("PING while loading: %q", got)
	}
	n.Server.SetLoading(false)
	c.Send("SHUTDOWN", "NOSAVE")
	if _, err := c.ReadErr(2 * time.Second); err == nil {
		t.Error("SHUTDOWN NOSAVE replied")
	}
	if len(f.saved) != 2 {
		t.Errorf("SHUTDOWN NOSAVE saved: %v", f.saved)
	}
}
