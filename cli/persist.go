package cli

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/persistence/snapshot"
	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/tenancy"
)

// persistence is a node's data directory: its snapshot store and saver.
type persistence struct {
	node  *engine.Node
	store *snapshot.Store
	saver *snapshot.Saver
	srv   *resp.Server
	log   *slog.Logger
}

// openPersistence opens the snapshot store in dir (created if missing),
// points the node's `dir` parameter at it, restores the stores of reg
// from it and registers SAVE, BGSAVE and LASTSAVE. The snapshot itself is
// loaded later by load, once the node listens.
func openPersistence(node *engine.Node, reg *tenancy.Registry, dir, version string, log *slog.Logger) (*persistence, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if msg := node.Config.Set([]engine.SetRequest{{Name: "dir", Value: abs}}, true); msg != "" {
		return nil, fmt.Errorf("data directory %s: %s", abs, msg)
	}
	st, err := snapshot.Open(abs, log)
	if err != nil {
		return nil, err
	}
	if err := reg.Open(st); err != nil {
		st.Close()
		return nil, err
	}
	p := &persistence{node: node, store: st, saver: snapshot.NewSaver(node, st, log), log: log}
	p.saver.Creator = "flect " + version
	snapshot.Register(node.Table(), p.saver)
	node.SetFlushAllHook(p.afterFlushAll)
	return p, nil
}

// attach makes srv report and use the persistence.
func (p *persistence) attach(srv *resp.Server) {
	p.srv = srv
	srv.SetPersistence(p)
}

// load loads the current snapshot while the node answers -LOADING.
func (p *persistence) load() error {
	p.srv.SetLoading(true)
	defer p.srv.SetLoading(false)
	// Loading only adds live data: collecting less often meanwhile
	// saves most of the collector's work (the memory limit still holds).
	if old := debug.SetGCPercent(400); old < 0 {
		debug.SetGCPercent(old)
	} else {
		defer debug.SetGCPercent(old)
	}
	_, err := p.saver.Load()
	return err
}

// afterFlushAll saves after FLUSHALL when save rules are set, as Valkey
// does (in the background here: FLUSHALL has replied by then).
func (p *persistence) afterFlushAll() {
	if len(p.node.SaveRules()) == 0 {
		return
	}
	if _, err := p.saver.BGSave(true); err != nil {
		p.log.Warn("saving after FLUSHALL", "err", err)
	}
}

// close stops a running background save and closes the store.
func (p *persistence) close() error {
	if _, ok := p.saver.CancelBGSave(); ok {
		p.saver.WaitBG()
	}
	return p.store.Close()
}

// Info is resp.Persistence's INFO figures.
func (p *persistence) Info() resp.PersistenceInfo {
	s := p.saver.Status()
	return resp.PersistenceInfo{
		Loading:              s.Loading,
		LoadingStartTime:     s.LoadingStartTime,
		LoadingTotalBytes:    s.LoadingTotalBytes,
		LoadingLoadedBytes:   s.LoadingLoadedBytes,
		LoadingLoadedPerc:    s.LoadingLoadedPerc,
		LoadingETASeconds:    s.LoadingETASeconds,
		SaveKeysProcessed:    s.SaveKeysProcessed,
		SaveKeysTotal:        s.SaveKeysTotal,
		ChangesSinceLastSave: s.ChangesSinceLastSave,
		BgsaveInProgress:     s.BgsaveInProgress,
		LastSaveTime:         s.LastSaveTime,
		LastBgsaveOK:         s.LastBgsaveOK,
		LastBgsaveTimeSec:    s.LastBgsaveTimeSec,
		CurrentBgsaveTimeSec: s.CurrentBgsaveTimeSec,
		Saves:                s.Saves,
		LastLoadKeysExpired:  s.LastLoadKeysExpired,
		LastLoadKeysLoaded:   s.LastLoadKeysLoaded,
	}
}

// ShutdownSave is resp.Persistence's save before stopping.
func (p *persistence) ShutdownSave(force bool) error { return p.saver.ShutdownSave(force) }

// DiskError is resp.Persistence's -MISCONF condition.
func (p *persistence) DiskError() bool { return p.saver.DiskError() }

// Reload is resp.Persistence's DEBUG RELOAD: save, empty every namespace,
// load the snapshot back.
func (p *persistence) Reload(save, flush bool) error {
	if save {
		if err := p.saver.Save(); err != nil {
			return err
		}
	}
	if flush {
		for _, ns := range p.node.Namespaces() {
			ns.Lock()
			ns.Flush()
			ns.Unlock()
		}
	}
	return p.load()
}
