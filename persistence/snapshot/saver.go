package snapshot

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// ErrBgsaveInProgress is returned by Save and BGSave while a background
// save runs.
var ErrBgsaveInProgress = errors.New("snapshot: a background save is in progress")

// errCancelled stops a background save cancelled by BGSAVE CANCEL or a
// shutdown.
var errCancelled = errors.New("snapshot: background save cancelled")

// bgsaveRetryDelay is how long after a failed background save the save
// policy waits before trying again (CONFIG_BGSAVE_RETRY_DELAY).
const bgsaveRetryDelay = 5 // seconds

// cronEvery is how often Run checks the save policy (Valkey's serverCron
// at the default hz 10).
const cronEvery = 100 * time.Millisecond

// Saver takes a node's snapshots into a Store: SAVE, BGSAVE and LASTSAVE,
// the save policy (Run), the startup load (Load) and the figures INFO
// persistence shows (Status). It is safe for concurrent use.
type Saver struct {
	n   *engine.Node
	st  *Store
	log *slog.Logger
	// Creator is written into every snapshot's manifest.
	Creator string
	// bgFailed mirrors !mu.lastBgOK for DiskError.
	bgFailed atomic.Bool
	// start is the node's start, LASTSAVE of a Saver without a node
	// (Register with nil).
	start int64
	// hook, set by tests, runs before each background save record; an
	// error fails the save.
	hook func() error

	mu struct {
		sync.Mutex
		done *sync.Cond // signalled when a save ends
		fg   bool       // a SAVE runs
		bg   *bgSave    // the running BGSAVE
		// scheduled is a BGSAVE asked for inside MULTI/EXEC, started
		// by Run.
		scheduled bool
		// snap is the running save's snapshot.
		snap *engine.Snapshot

		lastSave      int64 // unix s of the last successful save
		lastSaveDirty int64 // Node.Dirty() at that save's point in time
		lastTry       int64 // unix s of the last BGSAVE started
		lastBgOK      bool
		lastBgDur     int64 // s; -1 before any
		saves         int64

		loading      bool
		loadProgress LoadProgress
		lastLoad     LoadStats
	}
}

// bgSave is a running background save.
type bgSave struct {
	start  time.Time
	cancel atomic.Bool
	done   chan struct{}
}

// setBgOKLocked records the outcome of a background save (the caller
// holds s.mu); DiskError reads it without the lock.
func (s *Saver) setBgOKLocked(ok bool) {
	s.mu.lastBgOK = ok
	s.bgFailed.Store(!ok)
}

// DiskError reports whether writes must be refused with -MISCONF: the
// last background save failed while save rules are set and
// stop-writes-on-bgsave-error is yes (Valkey's
// writeCommandsDeniedByDiskError). It is cheap enough for every write.
func (s *Saver) DiskError() bool {
	return s.bgFailed.Load() && s.n.StopWritesOnBgsaveError() && len(s.n.SaveRules()) > 0
}

// NewSaver returns a Saver of node n into store st. The last save time
// starts at now, as Valkey's does at startup.
func NewSaver(n *engine.Node, st *Store, log *slog.Logger) *Saver {
	if log == nil {
		log = n.Logger()
	}
	s := &Saver{n: n, st: st, log: log}
	s.mu.done = sync.NewCond(&s.mu.Mutex)
	s.mu.lastSave = s.now().Unix()
	s.mu.lastSaveDirty = n.Dirty()
	s.setBgOKLocked(true)
	s.mu.lastBgDur = -1
	return s
}

func (s *Saver) now() time.Time { return s.n.Clock().Now() }

// begin starts a snapshot of the node into a new writer. The caller
// holds no lock: BeginSnapshot locks every namespace, and INFO, holding
// its namespace, reads the saver's state. A cancel flag, when given,
// makes the snapshot fail at its next record once set.
func (s *Saver) begin(cancel *atomic.Bool) (*engine.Snapshot, *Writer, error) {
	w := s.st.NewWriter()
	batch := w.NewBatch()
	// guard makes an emit fail once the save is cancelled (and runs the
	// tests' hook).
	guard := func(add engine.SnapshotEmit) engine.SnapshotEmit {
		if cancel == nil {
			return add
		}
		return func(r *engine.SnapshotRecord) error {
			if cancel.Load() {
				return errCancelled
			}
			if s.hook != nil {
				if err := s.hook(); err != nil {
					return err
				}
			}
			return add(r)
		}
	}
	snap, err := s.n.BeginSnapshot(guard(w.AddRecord))
	if err != nil {
		w.Abort()
		if errors.Is(err, engine.ErrSnapshotRunning) {
			return nil, nil, ErrBgsaveInProgress
		}
		return nil, nil, err
	}
	snap.SetPacer(w.Pace)
	// A background save yields to the clients; SAVE and the save at
	// shutdown go at full speed, as Valkey's SAVE does.
	snap.SetThrottle(cancel != nil)
	w.SetThrottle(cancel != nil)
	snap.SetWalkerEmit(guard(batch.AddRecord), batch.Flush)
	s.mu.Lock()
	s.mu.snap = snap
	s.mu.Unlock()
	return snap, w, nil
}

// complete runs a begun snapshot to its end and commits it.
func (s *Saver) complete(snap *engine.Snapshot, w *Writer, cancel *atomic.Bool) error {
	err := snap.Run()
	if err == nil && cancel != nil && cancel.Load() {
		err = errCancelled
	}
	if err != nil {
		w.Abort()
		return err
	}
	return w.Commit(Meta{Time: snap.Time(), Creator: s.Creator})
}

// Save takes a snapshot in the foreground (SAVE): it returns when the
// snapshot is current or has failed. The node keeps serving meanwhile.
// A second Save waits for the first; during a BGSAVE it fails with
// ErrBgsaveInProgress.
func (s *Saver) Save() error {
	s.mu.Lock()
	for s.mu.fg {
		s.mu.done.Wait()
	}
	if s.mu.bg != nil {
		s.mu.Unlock()
		return ErrBgsaveInProgress
	}
	s.mu.fg = true
	s.mu.saves++
	s.mu.Unlock()
	start := time.Now()
	snap, w, err := s.begin(nil)
	if err == nil {
		err = s.complete(snap, w, nil)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.fg, s.mu.snap = false, nil
	s.mu.done.Broadcast()
	if err != nil {
		s.log.Warn("snapshot: SAVE failed", "err", err)
		return err
	}
	s.mu.lastSave = s.now().Unix()
	s.mu.lastSaveDirty = snap.Dirty()
	s.setBgOKLocked(true)
	s.log.Info("DB saved on disk", "keys", snap.Keys(), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// BGSave starts a background save (BGSAVE [SCHEDULE]) at this point in
// time and returns Valkey's reply text. schedule is accepted for Valkey's
// syntax: flect has no other background work a save must wait for.
func (s *Saver) BGSave(schedule bool) (string, error) {
	s.mu.Lock()
	if s.mu.bg != nil {
		s.mu.Unlock()
		return "", ErrBgsaveInProgress
	}
	for s.mu.fg { // a SAVE blocks Valkey entirely: start after it
		s.mu.done.Wait()
	}
	if s.mu.bg != nil {
		s.mu.Unlock()
		return "", ErrBgsaveInProgress
	}
	bg := s.reserveBGLocked()
	s.mu.Unlock()
	if err := s.startBG(bg); err != nil {
		return "", err
	}
	return "Background saving started", nil
}

// ScheduleBGSave asks for a background save that Run starts at its next
// tick: BGSAVE inside MULTI/EXEC, whose transaction holds the keyspace.
func (s *Saver) ScheduleBGSave() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.bg != nil {
		return "", ErrBgsaveInProgress
	}
	s.mu.scheduled = true
	s.log.Info("Background saving scheduled to run after transaction execution")
	return "Background saving scheduled", nil
}

// CancelBGSave stops the running background save or drops a scheduled
// one (BGSAVE CANCEL) and returns Valkey's reply text; ok is false when
// there is neither.
func (s *Saver) CancelBGSave() (reply string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.mu.bg != nil:
		s.log.Info("Background saving will be aborted due to user request")
		s.mu.bg.cancel.Store(true)
		return "Background saving cancelled", true
	case s.mu.scheduled:
		s.log.Info("Scheduled background saving will be cancelled due to user request")
		s.mu.scheduled = false
		return "Scheduled background saving cancelled", true
	}
	return "", false
}

// reserveBGLocked marks a background save as running before it begins;
// the caller holds s.mu and has checked none runs.
func (s *Saver) reserveBGLocked() *bgSave {
	s.mu.saves++
	s.mu.lastTry = s.now().Unix()
	bg := &bgSave{start: time.Now(), done: make(chan struct{})}
	s.mu.bg = bg
	return bg
}

// startBG begins the reserved background save bg and runs it in a new
// goroutine.
func (s *Saver) startBG(bg *bgSave) error {
	snap, w, err := s.begin(&bg.cancel)
	if err != nil {
		s.mu.Lock()
		s.mu.bg = nil
		if !errors.Is(err, ErrBgsaveInProgress) {
			s.setBgOKLocked(false)
		}
		s.mu.done.Broadcast()
		s.mu.Unlock()
		close(bg.done)
		s.log.Warn("snapshot: can't save in background", "err", err)
		return err
	}
	s.log.Info("Background saving started")
	go s.runBG(bg, snap, w)
	return nil
}

func (s *Saver) runBG(bg *bgSave, snap *engine.Snapshot, w *Writer) {
	defer close(bg.done)
	err := s.complete(snap, w, &bg.cancel)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.bg, s.mu.snap = nil, nil
	s.mu.lastBgDur = int64(time.Since(bg.start).Seconds())
	s.mu.done.Broadcast()
	switch {
	case err == nil:
		s.mu.lastSave = s.now().Unix()
		s.mu.lastSaveDirty = snap.Dirty()
		s.setBgOKLocked(true)
		s.log.Info("Background saving terminated with success", "keys", snap.Keys(),
			"duration", time.Since(bg.start).Round(time.Millisecond))
	case errors.Is(err, errCancelled):
		s.log.Warn("Background saving cancelled")
	default:
		s.setBgOKLocked(false)
		s.log.Warn("Background saving error", "err", err)
	}
}

// WaitBG waits for the running background save, if any, to end.
func (s *Saver) WaitBG() {
	s.mu.Lock()
	bg := s.mu.bg
	s.mu.Unlock()
	if bg != nil {
		<-bg.done
	}
}

// ShutdownSave is the save of a SHUTDOWN or SIGTERM: a running background
// save is stopped, then a foreground save runs when the save policy is
// set or force (SHUTDOWN SAVE) asks for it. The error (a failed save)
// must stop a shutdown that was not forced.
func (s *Saver) ShutdownSave(force bool) error {
	s.mu.Lock()
	bg := s.mu.bg
	s.mu.scheduled = false
	s.mu.Unlock()
	if bg != nil {
		s.log.Warn("There is a child saving an .rdb. Killing it!")
		bg.cancel.Store(true)
		<-bg.done
	}
	if !force && len(s.n.SaveRules()) == 0 {
		return nil
	}
	s.log.Info("Saving the final snapshot before exiting.")
	return s.Save()
}

// LastSave returns the unix time of the last successful save (LASTSAVE).
func (s *Saver) LastSave() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.lastSave
}

// Run applies the save policy (the save parameter) until ctx is done:
// a background save starts when, for one rule, the number of changes
// since the last save is at least its changes and more than its seconds
// have passed since the last save, unless the last background save failed
// less than 5 seconds ago. It also starts a scheduled BGSAVE.
func (s *Saver) Run(ctx context.Context) {
	t := time.NewTicker(cronEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.cron()
		}
	}
}

// cron is one policy check (serverCron's).
func (s *Saver) cron() {
	dirty := s.n.Dirty()
	s.mu.Lock()
	bg := s.dueLocked(dirty)
	s.mu.Unlock()
	if bg != nil {
		s.startBG(bg)
	}
}

// dueLocked reserves a background save when the policy or a scheduled
// BGSAVE calls for one; dirty is Node.Dirty().
func (s *Saver) dueLocked(dirty int64) *bgSave {
	if s.mu.bg != nil || s.mu.fg || s.mu.loading {
		return nil
	}
	now := s.now().Unix()
	if now-s.mu.lastTry <= bgsaveRetryDelay && !s.mu.lastBgOK {
		return nil
	}
	changes := dirty - s.mu.lastSaveDirty
	for _, r := range s.n.SaveRules() {
		if changes >= r.Changes && now-s.mu.lastSave > r.Seconds {
			s.log.Info("changes since the last save reached a save rule: saving",
				"changes", r.Changes, "seconds", r.Seconds)
			s.mu.scheduled = false
			return s.reserveBGLocked()
		}
	}
	if s.mu.scheduled {
		s.mu.scheduled = false
		return s.reserveBGLocked()
	}
	return nil
}

// Load loads the store's current snapshot into the node (at startup or
// for DEBUG RELOAD), logging progress and keeping the loading figures
// Status reports.
func (s *Saver) Load() (LoadStats, error) {
	m, found, err := s.st.Current()
	if err != nil {
		return LoadStats{}, err
	}
	if !found {
		return LoadStats{}, nil
	}
	start := time.Now()
	s.mu.Lock()
	s.mu.loading = true
	s.mu.loadProgress = LoadProgress{Start: start, TotalKeys: int64(m.Keys), TotalBytes: int64(m.Bytes)}
	s.mu.Unlock()
	s.log.Info("Loading snapshot", "generation", m.Generation, "keys", m.Keys, "bytes", m.Bytes,
		"age", time.Since(m.Time).Round(time.Second), "creator", m.Creator)
	stats, err := s.st.Load(s.n, func(p LoadProgress) {
		s.mu.Lock()
		s.mu.loadProgress = p
		s.mu.Unlock()
		s.log.Info("Loading snapshot", "keys", p.Keys, "of", p.TotalKeys,
			"percent", int(p.Percent()), "keys_per_sec", int64(p.Rate), "eta", p.ETA.Round(time.Second))
	})
	s.mu.Lock()
	s.mu.loading = false
	s.mu.lastLoad = stats
	s.mu.Unlock()
	if err != nil {
		return stats, err
	}
	rate := 0.0
	if sec := stats.Duration.Seconds(); sec > 0 {
		rate = float64(stats.Keys) / sec
	}
	s.log.Info("Done loading snapshot", "keys_loaded", stats.Keys, "keys_expired", stats.Expired,
		"keys_skipped", stats.Skipped, "duration", stats.Duration.Round(time.Millisecond), "keys_per_sec", int64(rate))
	return stats, nil
}

// Status is what INFO persistence reports about saving and loading.
type Status struct {
	// Loading is set while Load runs; the Loading* fields describe it.
	Loading            bool
	LoadingStartTime   int64 // unix s
	LoadingTotalBytes  int64
	LoadingLoadedBytes int64
	LoadingLoadedPerc  float64
	LoadingETASeconds  int64
	LoadingKeys        int64
	LoadingTotalKeys   int64

	// SaveInProgress is set while SAVE or BGSAVE runs;
	// BgsaveInProgress only for BGSAVE. BgsaveScheduled is a BGSAVE
	// waiting to start.
	SaveInProgress, BgsaveInProgress, BgsaveScheduled bool
	// SaveKeysProcessed and SaveKeysTotal describe the running save
	// (current_save_keys_processed, current_save_keys_total).
	SaveKeysProcessed, SaveKeysTotal int64

	// LastSaveTime is the unix time of the last successful save
	// (rdb_last_save_time, LASTSAVE).
	LastSaveTime int64
	// LastSaveDirty is Node.Dirty() at the last successful save's point
	// in time (at NewSaver before any); ChangesSinceLastSave is
	// Node.Dirty() minus it (rdb_changes_since_last_save).
	LastSaveDirty, ChangesSinceLastSave int64
	// LastBgsaveOK is rdb_last_bgsave_status (false: "err").
	LastBgsaveOK bool
	// LastBgsaveTimeSec and CurrentBgsaveTimeSec are
	// rdb_last_bgsave_time_sec and rdb_current_bgsave_time_sec (-1 when
	// none).
	LastBgsaveTimeSec, CurrentBgsaveTimeSec int64
	// Saves is rdb_saves.
	Saves int64
	// LastLoadKeysLoaded and LastLoadKeysExpired are
	// rdb_last_load_keys_loaded and rdb_last_load_keys_expired.
	LastLoadKeysLoaded, LastLoadKeysExpired int64
}

// Status returns the saver's current figures.
func (s *Saver) Status() Status {
	dirty := s.n.Dirty()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{
		Loading:              s.mu.loading,
		SaveInProgress:       s.mu.fg || s.mu.bg != nil,
		BgsaveInProgress:     s.mu.bg != nil,
		BgsaveScheduled:      s.mu.scheduled,
		LastSaveTime:         s.mu.lastSave,
		LastSaveDirty:        s.mu.lastSaveDirty,
		ChangesSinceLastSave: dirty - s.mu.lastSaveDirty,
		LastBgsaveOK:         s.mu.lastBgOK,
		LastBgsaveTimeSec:    s.mu.lastBgDur,
		CurrentBgsaveTimeSec: -1,
		Saves:                s.mu.saves,
		LastLoadKeysLoaded:   s.mu.lastLoad.Keys,
		LastLoadKeysExpired:  s.mu.lastLoad.Expired,
	}
	if s.mu.snap != nil {
		st.SaveKeysProcessed, st.SaveKeysTotal = s.mu.snap.Keys(), s.mu.snap.Total()
	}
	if s.mu.bg != nil {
		st.CurrentBgsaveTimeSec = int64(time.Since(s.mu.bg.start).Seconds())
	}
	if s.mu.loading {
		p := s.mu.loadProgress
		st.LoadingStartTime = p.Start.Unix()
		st.LoadingTotalBytes, st.LoadingLoadedBytes = p.TotalBytes, p.Bytes
		st.LoadingLoadedPerc = p.Percent()
		if p.Bytes == 0 {
			st.LoadingLoadedPerc = 0
		}
		st.LoadingETASeconds = int64(p.ETA.Seconds())
		st.LoadingKeys, st.LoadingTotalKeys = p.Keys, p.TotalKeys
	}
	return st
}
