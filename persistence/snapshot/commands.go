package snapshot

import (
	"errors"
	"time"

	"github.com/flect-kv/flect/engine"
)

// Wire errors of SAVE and BGSAVE (Valkey's rdb.c).
const (
	errBgsaveInProgress = "ERR Background save already in progress"
	errNoBgsave         = "ERR Background saving is currently not in progress or scheduled"
	// errSaveFailed is shared.err: a bare ERR, the log says why.
	errSaveFailed = "ERR"
)

// commands are SAVE, BGSAVE and LASTSAVE as Valkey's command table has
// them (save.json, bgsave.json, lastsave.json). They touch no keys.
func (s *Saver) commands() []*engine.Command {
	return []*engine.Command{
		{Name: "save", Arity: 1, Flags: engine.Admin | engine.NoScript | engine.NoMulti | engine.NoKeyspace, Group: "server", Run: s.cmdSave},
		{Name: "bgsave", Arity: -1, Flags: engine.Admin | engine.NoScript | engine.NoKeyspace, Group: "server", Run: s.cmdBgsave},
		{Name: "lastsave", Arity: 1, Flags: engine.Loading | engine.Stale | engine.Fast | engine.NoKeyspace, Group: "server", Run: s.cmdLastsave},
	}
}

// Register adds SAVE, BGSAVE and LASTSAVE, served by s, to a node's
// command table. With a nil s (a node without a data directory) SAVE and
// BGSAVE answer errDisabled and LASTSAVE the node's start.
func Register(t *engine.Table, s *Saver) {
	if s == nil {
		s = &Saver{start: time.Now().Unix()}
	}
	t.Add(s.commands()...)
}

// errDisabled answers SAVE and BGSAVE on a node without a data directory.
const errDisabled = "ERR snapshots are disabled: start flect with --dir <directory> to enable them"

// disabled reports (and answers) a command of a node without snapshots.
func (s *Saver) disabled(c *engine.Ctx) bool {
	if s.n != nil {
		return false
	}
	c.Error(errDisabled)
	return true
}

func (s *Saver) cmdSave(c *engine.Ctx) {
	if s.disabled(c) {
		return
	}
	switch err := s.Save(); {
	case err == nil:
		c.OK()
	case errors.Is(err, ErrBgsaveInProgress):
		c.Error(errBgsaveInProgress)
	default:
		c.Error(errSaveFailed)
	}
}

// cmdBgsave is BGSAVE [SCHEDULE|CANCEL]. Inside MULTI/EXEC (the only
// place a NOSCRIPT command runs with NoBlock set) the save is scheduled,
// as Valkey does while it executes a transaction.
func (s *Saver) cmdBgsave(c *engine.Ctx) {
	if s.disabled(c) {
		return
	}
	schedule := false
	if len(c.Args) > 1 {
		switch {
		case len(c.Args) == 2 && eqFold(c.Args[1], "schedule"):
			schedule = true
		case len(c.Args) == 2 && eqFold(c.Args[1], "cancel"):
			if reply, ok := s.CancelBGSave(); ok {
				c.R.Simple(reply)
			} else {
				c.Error(errNoBgsave)
			}
			return
		default:
			c.Error(engine.ErrSyntax)
			return
		}
	}
	var reply string
	var err error
	if c.NoBlock {
		reply, err = s.ScheduleBGSave()
	} else {
		reply, err = s.BGSave(schedule)
	}
	switch {
	case err == nil:
		c.R.Simple(reply)
	case errors.Is(err, ErrBgsaveInProgress):
		c.Error(errBgsaveInProgress)
	default:
		c.Error(errSaveFailed)
	}
}

func (s *Saver) cmdLastsave(c *engine.Ctx) {
	if s.n == nil {
		c.R.Int(s.start)
		return
	}
	c.R.Int(s.LastSave())
}

// eqFold compares an argument with a lower-case word ignoring ASCII case,
// ending the argument at a NUL byte as Valkey's strcasecmp does.
func eqFold(b []byte, word string) bool {
	for i, ch := range b {
		if ch == 0 {
			b = b[:i]
			break
		}
	}
	if len(b) != len(word) {
		return false
	}
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != word[i] {
			return false
		}
	}
	return true
}
