package resp

import (
	"bytes"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/flect-kv/flect/engine"
)

// The front end's side of persistence: the loading state (commands without
// the loading flag get -LOADING while a snapshot loads), INFO's persistence
// section and the save SHUTDOWN and SIGTERM do. The snapshot layer
// (persistence/snapshot) implements Persistence; the cli wires it in. A
// node without one is purely in memory.

// ErrLoading is Valkey's reply to a command sent while the dataset loads.
const ErrLoading = "LOADING Valkey is loading the dataset in memory"

// Persistence is what the front end needs from the snapshot layer.
type Persistence interface {
	// Info returns the figures of INFO's persistence section.
	Info() PersistenceInfo
	// ShutdownSave runs the save of a SHUTDOWN or a SIGTERM: when save
	// rules are configured, or always when force (SHUTDOWN SAVE). It
	// reports the error that must stop the shutdown.
	ShutdownSave(force bool) error
	// Reload saves (unless !save), empties the node (unless !flush) and
	// loads the last snapshot back, for DEBUG RELOAD.
	Reload(save, flush bool) error
	// DiskError reports whether write commands (and PING) must get
	// -MISCONF because the last background save failed.
	DiskError() bool
}

// ErrMisconf is Valkey's refusal of writes after a failed background
// save (stop-writes-on-bgsave-error).
const ErrMisconf = "MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Valkey logs for details about the RDB error."

// diskError reports whether cmd must be refused with -MISCONF.
func (s *Server) diskError(cmd *engine.Command) bool {
	p := s.persistence()
	if p == nil || !p.DiskError() {
		return false
	}
	return cmd.Has(engine.Write) || cmd.FullName() == "ping"
}

// PersistenceInfo is the state INFO persistence reports.
type PersistenceInfo struct {
	// Loading is set while a snapshot loads; the Loading* fields
	// describe its progress.
	Loading            bool
	LoadingStartTime   int64 // unix seconds
	LoadingTotalBytes  int64
	LoadingLoadedBytes int64
	LoadingLoadedPerc  float64
	LoadingETASeconds  int64
	// SaveKeysProcessed and SaveKeysTotal describe a running save.
	SaveKeysProcessed, SaveKeysTotal int64
	// ChangesSinceLastSave is rdb_changes_since_last_save.
	ChangesSinceLastSave int64
	BgsaveInProgress     bool
	// LastSaveTime is the unix time of the last successful save (the
	// node's start before any).
	LastSaveTime int64
	// LastBgsaveOK is false after a failed background save.
	LastBgsaveOK bool
	// LastBgsaveTimeSec and CurrentBgsaveTimeSec are -1 when unknown.
	LastBgsaveTimeSec, CurrentBgsaveTimeSec int64
	Saves                                   int64
	LastLoadKeysExpired, LastLoadKeysLoaded int64
}

// persistState is the Server's persistence wiring.
type persistState struct {
	p       atomic.Pointer[Persistence]
	loading atomic.Bool
}

// SetPersistence attaches the snapshot layer. Call it before Serve.
func (s *Server) SetPersistence(p Persistence) { s.persist.p.Store(&p) }

// SetLoading turns the loading state on or off: while on, commands
// without the loading flag get -LOADING.
func (s *Server) SetLoading(on bool) { s.persist.loading.Store(on) }

// persistence returns the attached snapshot layer, or nil.
func (s *Server) persistence() Persistence {
	if p := s.persist.p.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *Server) infoPersistence(b *bytes.Buffer) {
	pi := PersistenceInfo{
		ChangesSinceLastSave: s.dirty(),
		LastSaveTime:         s.startTime.Unix(),
		LastBgsaveOK:         true,
		LastBgsaveTimeSec:    -1,
		CurrentBgsaveTimeSec: -1,
	}
	if p := s.persistence(); p != nil {
		pi = p.Info()
	}
	pi.Loading = pi.Loading || s.persist.loading.Load()
	field(b, "# Persistence\r\nloading", boolInt(pi.Loading))
	field(b, "async_loading", 0)
	field(b, "current_cow_peak", 0)
	field(b, "current_cow_size", 0)
	field(b, "current_cow_size_age", 0)
	field(b, "current_fork_perc", "0.00")
	field(b, "current_save_keys_processed", pi.SaveKeysProcessed)
	field(b, "current_save_keys_total", pi.SaveKeysTotal)
	field(b, "rdb_changes_since_last_save", pi.ChangesSinceLastSave)
	field(b, "rdb_bgsave_in_progress", boolInt(pi.BgsaveInProgress))
	field(b, "rdb_last_save_time", pi.LastSaveTime)
	status := "ok"
	if !pi.LastBgsaveOK {
		status = "err"
	}
	field(b, "rdb_last_bgsave_status", status)
	field(b, "rdb_last_bgsave_time_sec", pi.LastBgsaveTimeSec)
	field(b, "rdb_current_bgsave_time_sec", pi.CurrentBgsaveTimeSec)
	field(b, "rdb_saves", pi.Saves)
	field(b, "rdb_last_cow_size", 0)
	field(b, "rdb_last_load_keys_expired", pi.LastLoadKeysExpired)
	field(b, "rdb_last_load_keys_loaded", pi.LastLoadKeysLoaded)
	field(b, "aof_enabled", 0)
	field(b, "aof_rewrite_in_progress", 0)
	field(b, "aof_rewrite_scheduled", 0)
	field(b, "aof_last_rewrite_time_sec", -1)
	field(b, "aof_current_rewrite_time_sec", -1)
	field(b, "aof_last_bgrewrite_status", "ok")
	field(b, "aof_rewrites", 0)
	field(b, "aof_rewrites_consecutive_failures", 0)
	field(b, "aof_last_write_status", "ok")
	field(b, "aof_last_cow_size", 0)
	field(b, "module_fork_in_progress", 0)
	field(b, "module_fork_last_cow_size", 0)
	if pi.Loading {
		field(b, "loading_start_time", pi.LoadingStartTime)
		field(b, "loading_total_bytes", pi.LoadingTotalBytes)
		field(b, "loading_rdb_used_mem", 0)
		field(b, "loading_loaded_bytes", pi.LoadingLoadedBytes)
		fmt.Fprintf(b, "loading_loaded_perc:%.2f\r\n", pi.LoadingLoadedPerc)
		field(b, "loading_eta_seconds", pi.LoadingETASeconds)
	}
}

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE].
func (s *Server) debugReload(c *engine.Ctx) {
	save, flush := true, true
	for _, a := range c.Args[2:] {
		switch strings.ToLower(string(a)) {
		case "merge":
			// Keys of the snapshot replace existing ones, which is what
			// loading always does here.
		case "noflush":
			flush = false
		case "nosave":
			save = false
		default:
			c.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	p := s.persistence()
	if p == nil {
		c.Error("ERR DEBUG RELOAD needs snapshots: start flect with --dir")
		return
	}
	if err := p.Reload(save, flush); err != nil {
		s.log.Warn("DEBUG RELOAD failed", "err", err)
		c.Error("ERR Error trying to load the RDB dump, check server logs.")
		return
	}
	s.log.Info("DB reloaded by DEBUG RELOAD")
	c.OK()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
