package resp

import (
	"time"

	"github.com/flect-kv/flect/engine"
)

// CLIENT PAUSE from a store's client pauses that store only: its own
// connections wait, and its keys do not expire meanwhile, as a private
// server's CLIENT PAUSE holds back its whole dataset. The default
// namespace's CLIENT PAUSE stays the node's (pauseState in
// client_cmds.go): it pauses every connection. All pause state is
// guarded by the server's pauseState.mu, so that the hookPause bit and
// the pauses it announces change together.

// pauseWindow is a store's CLIENT PAUSE.
type pauseWindow struct {
	end time.Time // zero when not paused
	all bool      // ALL (every command) rather than WRITE
}

// pauseStore records CLIENT PAUSE <endMs> [WRITE|ALL] of a store's
// client: the mode is replaced, the end only moves later, as for the
// node's pause.
func (s *Server) pauseStore(ss *storeState, all bool, endMs int64) {
	p := &s.x.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	w := &ss.pause
	w.all = all
	if e := time.UnixMilli(endMs); endMs != 0 && e.After(w.end) {
		w.end = e
	}
	if s.kv.paused == nil {
		s.kv.paused = map[*storeState]struct{}{}
	}
	s.kv.paused[ss] = struct{}{}
	ss.st.Namespace().PauseExpiry(w.end.UnixMilli())
	close(p.wake)
	p.wake = make(chan struct{})
	s.x.hooks.Or(hookPause)
}

// unpauseStore ends a store's pause (CLIENT UNPAUSE of its client, or the
// store's deletion).
func (s *Server) unpauseStore(ss *storeState) {
	p := &s.x.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := s.kv.paused[ss]; !ok {
		return
	}
	s.endStorePauseLocked(ss)
	close(p.wake)
	p.wake = make(chan struct{})
	s.clearPauseHookLocked(time.Now())
}

func (s *Server) endStorePauseLocked(ss *storeState) {
	ss.pause = pauseWindow{}
	delete(s.kv.paused, ss)
	ss.st.Namespace().PauseExpiry(0)
}

// clearPauseHookLocked forgets the store pauses that ended by now and
// clears hookPause when no pause is left; the caller holds
// pauseState.mu.
func (s *Server) clearPauseHookLocked(now time.Time) {
	for ss := range s.kv.paused {
		if !now.Before(ss.pause.end) {
			s.endStorePauseLocked(ss)
		}
	}
	p := &s.x.pause
	if len(s.kv.paused) == 0 && (p.end.IsZero() || !now.Before(p.end)) {
		s.x.hooks.And(^hookPause)
	}
}

// pauseCoversLocked returns the end of the latest pause in force that
// holds cmd of the session back (the node's or the session's store's),
// or the zero time when none does. It ends the pauses that are over. The
// caller holds pauseState.mu.
func (s *session) pauseCoversLocked(cmd *engine.Command, now time.Time) time.Time {
	srv := s.srv
	p := &srv.x.pause
	if !p.end.IsZero() && !now.Before(p.end) {
		p.end, p.all = time.Time{}, false
	}
	srv.clearPauseHookLocked(now)
	writes := cmd.Flags&(engine.Write|engine.MayReplicate) != 0
	var end time.Time
	if !p.end.IsZero() && (p.all || writes) {
		end = p.end
	}
	if ss := s.kv.state; ss != nil && !ss.pause.end.IsZero() && (ss.pause.all || writes) && ss.pause.end.After(end) {
		end = ss.pause.end
	}
	return end
}
