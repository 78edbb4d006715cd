package resp

import (
	"sort"
	"strconv"
	"strings"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/engine/cmddoc"
)

// COMMAND [COUNT|LIST|INFO|DOCS|GETKEYS|GETKEYSANDFLAGS|HELP]: the node's
// command table (names, arity, flags, key positions, subcommands) joined
// with Valkey's metadata from engine/cmddoc (ACL categories, tips, key
// specs, documentation). Only commands the node implements are listed.

func (s *Server) commandCommands() []*engine.Command {
	const flags = engine.Loading | engine.Stale | engine.NoKeyspace
	return []*engine.Command{
		{Name: "command", Arity: -1, Flags: flags, Group: "server", Run: s.cmdCommand, Subcommands: []*engine.Command{
			{Name: "count", Arity: 2, Flags: flags, Run: s.cmdCommandCount},
			{Name: "list", Arity: -2, Flags: flags, Run: s.cmdCommandList},
			{Name: "info", Arity: -2, Flags: flags, Run: s.cmdCommandInfo},
			{Name: "docs", Arity: -2, Flags: flags, Run: s.cmdCommandDocs},
			{Name: "getkeys", Arity: -3, Flags: flags, Run: s.cmdCommandGetkeys},
			{Name: "getkeysandflags", Arity: -3, Flags: flags, Run: s.cmdCommandGetkeysAndFlags},
			{Name: "help", Arity: 2, Flags: flags, Run: cmdCommandHelp},
		}},
	}
}

// sortedSubcommands returns cmd's subcommands sorted by name.
func sortedSubcommands(cmd *engine.Command) []*engine.Command {
	subs := append([]*engine.Command(nil), cmd.Subcommands...)
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
	return subs
}

// lookupFullName finds a command by Valkey's full name: "get" or
// "config|get", case-insensitively.
func (s *Server) lookupFullName(name string) *engine.Command {
	parts := strings.Split(name, "|")
	if len(parts) > 2 {
		return nil
	}
	cmd := s.node.Table().Lookup([]byte(parts[0]))
	if cmd == nil || len(parts) == 1 {
		return cmd
	}
	return cmd.Sub([]byte(parts[1]))
}

func (s *Server) cmdCommand(c *engine.Ctx) {
	all := s.node.Table().All()
	c.R.Array(len(all))
	for _, cmd := range all {
		replyCommandInfo(c.R, cmd)
	}
}

func (s *Server) cmdCommandCount(c *engine.Ctx) { c.R.Int(int64(len(s.node.Table().All()))) }

func (s *Server) cmdCommandInfo(c *engine.Ctx) {
	if len(c.Args) == 2 {
		s.cmdCommand(c)
		return
	}
	c.R.Array(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		cmd := s.lookupFullName(string(a))
		if cmd == nil {
			c.R.Null()
			continue
		}
		replyCommandInfo(c.R, cmd)
	}
}

// infoFlags are the flags COMMAND INFO shows, in Valkey's order; those the
// table has no bit for come from the command's metadata.
var infoFlags = []struct {
	f    engine.Flags
	name string
}{
	{engine.Write, "write"}, {engine.ReadOnly, "readonly"}, {engine.DenyOOM, "denyoom"},
	{0, "module"}, {engine.Admin, "admin"}, {engine.PubSub, "pubsub"},
	{engine.NoScript, "noscript"}, {engine.Blocking, "blocking"}, {engine.Loading, "loading"},
	{engine.Stale, "stale"}, {engine.SkipMonitor, "skip_monitor"},
	{engine.SkipSlowlog, "skip_slowlog"}, {0, "asking"}, {engine.Fast, "fast"},
	{engine.NoAuth, "no_auth"}, {engine.NoMandatoryKeys, "no_mandatory_keys"},
	{0, "no_async_loading"}, {engine.NoMulti, "no_multi"}, {0, "movablekeys"},
	{engine.AllowBusy, "allow_busy"},
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// commandFlags returns the flags COMMAND INFO shows for cmd.
func commandFlags(cmd *engine.Command, doc *cmddoc.Doc) []string {
	var out []string
	for _, f := range infoFlags {
		switch {
		case f.f != 0:
			if cmd.Flags&f.f != 0 {
				out = append(out, f.name)
			}
		case doc != nil:
			if hasString(doc.Flags, f.name) {
				out = append(out, f.name)
			}
		case f.name == "movablekeys" && cmd.Keys != nil:
			out = append(out, f.name)
		}
	}
	return out
}

// aclCategories returns cmd's ACL categories ("@read"...): Valkey's, or
// for a command Valkey lacks, those its flags imply.
func aclCategories(cmd *engine.Command, doc *cmddoc.Doc) []string {
	if doc != nil {
		return doc.ACLCategories
	}
	var out []string
	add := func(cond bool, cat string) {
		if cond {
			out = append(out, cat)
		}
	}
	add(cmd.Has(engine.ReadOnly), "@read")
	add(cmd.Has(engine.Write), "@write")
	add(cmd.Has(engine.PubSub), "@pubsub")
	add(cmd.Has(engine.Admin), "@admin")
	add(cmd.Has(engine.Fast), "@fast")
	add(!cmd.Has(engine.Fast), "@slow")
	add(cmd.Has(engine.Blocking), "@blocking")
	add(cmd.Has(engine.Admin), "@dangerous")
	return out
}

// replyCommandInfo writes one COMMAND INFO entry.
func replyCommandInfo(r engine.Reply, cmd *engine.Command) {
	doc := cmddoc.Lookup(cmd.FullName())
	r.Array(10)
	r.BulkString(cmd.FullName())
	r.Int(int64(cmd.Arity))
	flags := commandFlags(cmd, doc)
	r.Set(len(flags))
	for _, f := range flags {
		r.Simple(f)
	}
	r.Int(int64(cmd.First))
	r.Int(int64(cmd.Last))
	r.Int(int64(cmd.Step))
	cats := aclCategories(cmd, doc)
	r.Set(len(cats))
	for _, cat := range cats {
		r.Simple(cat)
	}
	var tips []string
	var specs []cmddoc.KeySpec
	if doc != nil {
		tips, specs = doc.Tips, doc.KeySpecs
	}
	r.Set(len(tips))
	for _, t := range tips {
		r.BulkString(t)
	}
	r.Set(len(specs))
	for i := range specs {
		replyKeySpec(r, &specs[i])
	}
	subs := sortedSubcommands(cmd)
	if len(subs) == 0 {
		// Valkey answers an empty set for a command without
		// subcommands.
		r.Set(0)
		return
	}
	r.Array(len(subs))
	for _, sub := range subs {
		replyCommandInfo(r, sub)
	}
}

func replyKeySpec(r engine.Reply, ks *cmddoc.KeySpec) {
	n := 3
	if ks.Notes != "" {
		n++
	}
	r.Map(n)
	if ks.Notes != "" {
		r.BulkString("notes")
		r.BulkString(ks.Notes)
	}
	r.BulkString("flags")
	r.Set(len(ks.Flags))
	for _, f := range ks.Flags {
		r.Simple(f)
	}
	r.BulkString("begin_search")
	r.Map(2)
	r.BulkString("type")
	r.BulkString(ks.BeginSearch)
	r.BulkString("spec")
	switch ks.BeginSearch {
	case "index":
		r.Map(1)
		r.BulkString("index")
		r.Int(int64(ks.Index))
	case "keyword":
		r.Map(2)
		r.BulkString("keyword")
		r.BulkString(ks.Keyword)
		r.BulkString("startfrom")
		r.Int(int64(ks.StartFrom))
	default:
		r.Map(0)
	}
	r.BulkString("find_keys")
	r.Map(2)
	r.BulkString("type")
	r.BulkString(ks.FindKeys)
	r.BulkString("spec")
	switch ks.FindKeys {
	case "range":
		r.Map(3)
		r.BulkString("lastkey")
		r.Int(int64(ks.LastKey))
		r.BulkString("keystep")
		r.Int(int64(ks.KeyStep))
		r.BulkString("limit")
		r.Int(int64(ks.Limit))
	case "keynum":
		r.Map(3)
		r.BulkString("keynumidx")
		r.Int(int64(ks.KeyNumIdx))
		r.BulkString("firstkey")
		r.Int(int64(ks.FirstKey))
		r.BulkString("keystep")
		r.Int(int64(ks.KeyStep))
	default:
		r.Map(0)
	}
}

func (s *Server) cmdCommandDocs(c *engine.Ctx) {
	var cmds []*engine.Command
	if len(c.Args) == 2 {
		cmds = s.node.Table().All()
	} else {
		for _, a := range c.Args[2:] {
			if cmd := s.lookupFullName(string(a)); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.R.Map(len(cmds))
	for _, cmd := range cmds {
		c.R.BulkString(cmd.FullName())
		replyCommandDocs(c.R, cmd)
	}
}

// replyCommandDocs writes one COMMAND DOCS entry.
func replyCommandDocs(r engine.Reply, cmd *engine.Command) {
	doc := cmddoc.Lookup(cmd.FullName())
	if doc == nil {
		doc = &cmddoc.Doc{Group: cmd.Group}
	}
	subs := sortedSubcommands(cmd)
	n := 1
	for _, present := range []bool{doc.Summary != "", doc.Since != "", doc.Complexity != "",
		len(doc.DocFlags) > 0, doc.DeprecatedSince != "", doc.ReplacedBy != "",
		len(doc.History) > 0, len(doc.Args) > 0, len(subs) > 0} {
		if present {
			n++
		}
	}
	r.Map(n)
	str := func(key, v string) {
		if v != "" {
			r.BulkString(key)
			r.BulkString(v)
		}
	}
	str("summary", doc.Summary)
	str("since", doc.Since)
	r.BulkString("group")
	r.BulkString(doc.Group)
	str("complexity", doc.Complexity)
	if len(doc.DocFlags) > 0 {
		r.BulkString("doc_flags")
		r.Set(len(doc.DocFlags))
		for _, f := range doc.DocFlags {
			r.Simple(f)
		}
	}
	str("deprecated_since", doc.DeprecatedSince)
	str("replaced_by", doc.ReplacedBy)
	if len(doc.History) > 0 {
		r.BulkString("history")
		r.Set(len(doc.History))
		for _, h := range doc.History {
			r.Array(2)
			r.BulkString(h[0])
			r.BulkString(h[1])
		}
	}
	if len(doc.Args) > 0 {
		r.BulkString("arguments")
		replyArgs(r, doc.Args)
	}
	if len(subs) > 0 {
		r.BulkString("subcommands")
		r.Map(len(subs))
		for _, sub := range subs {
			r.BulkString(sub.FullName())
			replyCommandDocs(r, sub)
		}
	}
}

func replyArgs(r engine.Reply, args []cmddoc.Arg) {
	r.Array(len(args))
	for i := range args {
		a := &args[i]
		nested := a.Type == "oneof" || a.Type == "block"
		n := 2
		for _, present := range []bool{!nested, a.KeySpec != 0, a.Token != "", a.Summary != "",
			a.Since != "", a.DeprecatedSince != "", a.Flags != 0, nested} {
			if present {
				n++
			}
		}
		r.Map(n)
		r.BulkString("name")
		r.BulkString(a.Name)
		r.BulkString("type")
		r.BulkString(a.Type)
		if !nested {
			r.BulkString("display_text")
			r.BulkString(a.DisplayText())
		}
		if a.KeySpec != 0 {
			r.BulkString("key_spec_index")
			r.Int(int64(a.KeySpecIndex()))
		}
		for _, kv := range [][2]string{{"token", a.Token}, {"summary", a.Summary}, {"since", a.Since}, {"deprecated_since", a.DeprecatedSince}} {
			if kv[1] != "" {
				r.BulkString(kv[0])
				r.BulkString(kv[1])
			}
		}
		if a.Flags != 0 {
			r.BulkString("flags")
			var names []string
			for _, f := range []struct {
				bit  uint8
				name string
			}{{cmddoc.ArgOptional, "optional"}, {cmddoc.ArgMultiple, "multiple"}, {cmddoc.ArgMultipleToken, "multiple_token"}} {
				if a.Flags&f.bit != 0 {
					names = append(names, f.name)
				}
			}
			r.Set(len(names))
			for _, n := range names {
				r.Simple(n)
			}
		}
		if nested {
			r.BulkString("arguments")
			replyArgs(r, a.Args)
		}
	}
}

func (s *Server) cmdCommandList(c *engine.Ctx) {
	var filter func(cmd *engine.Command) bool
	for i := 2; i < len(c.Args); i++ {
		if !strings.EqualFold(string(c.Args[i]), "filterby") || len(c.Args)-1-i != 2 {
			c.Error(engine.ErrSyntax)
			return
		}
		arg := c.Args[i+2]
		switch typ := string(c.Args[i+1]); {
		case strings.EqualFold(typ, "module"):
			// flect loads no modules: no command belongs to one.
			filter = func(*engine.Command) bool { return false }
		case strings.EqualFold(typ, "aclcat"):
			cat := "@" + strings.ToLower(string(arg))
			filter = func(cmd *engine.Command) bool {
				return hasString(aclCategories(cmd, cmddoc.Lookup(cmd.FullName())), cat)
			}
		case strings.EqualFold(typ, "pattern"):
			pat := append([]byte(nil), arg...)
			filter = func(cmd *engine.Command) bool {
				return engine.GlobMatch(pat, []byte(cmd.FullName()), true)
			}
		default:
			c.Error(engine.ErrSyntax)
			return
		}
		i += 2
	}
	var names []string
	var walk func([]*engine.Command)
	walk = func(cmds []*engine.Command) {
		for _, cmd := range cmds {
			if filter == nil || filter(cmd) {
				names = append(names, cmd.FullName())
			}
			walk(sortedSubcommands(cmd))
		}
	}
	walk(s.node.Table().All())
	engine.ReplyStrings(c.R, names)
}

// resolveForKeys finds the command of a full argv for COMMAND GETKEYS, as
// Valkey's lookupCommand does: a container with a subcommand argument
// resolves to the subcommand.
func (s *Server) resolveForKeys(argv [][]byte) *engine.Command {
	cmd := s.node.Table().Lookup(argv[0])
	if cmd == nil || len(argv) == 1 || len(cmd.Subcommands) == 0 {
		return cmd
	}
	return cmd.Sub(argv[1])
}

// keysOf returns the key positions of argv for GETKEYS, or writes
// Valkey's error and returns ok=false.
func (s *Server) keysOf(c *engine.Ctx, argv [][]byte) (cmd *engine.Command, pos []int, ok bool) {
	cmd = s.resolveForKeys(argv)
	switch {
	case cmd == nil:
		c.Error("ERR Invalid command specified")
		return nil, nil, false
	case cmd.First <= 0 && cmd.Keys == nil:
		c.Error("ERR The command has no key arguments")
		return nil, nil, false
	case !cmd.CheckArity(len(argv)):
		c.Error("ERR Invalid number of arguments specified for command")
		return nil, nil, false
	}
	pos = cmd.KeyPositions(nil, argv)
	if len(pos) == 0 && !cmd.Has(engine.NoMandatoryKeys) {
		c.Error("ERR Invalid arguments specified for command")
		return nil, nil, false
	}
	return cmd, pos, true
}

func (s *Server) cmdCommandGetkeys(c *engine.Ctx) {
	argv := c.Args[2:]
	_, pos, ok := s.keysOf(c, argv)
	if !ok {
		return
	}
	c.R.Array(len(pos))
	for _, p := range pos {
		c.R.Bulk(argv[p])
	}
}

func (s *Server) cmdCommandGetkeysAndFlags(c *engine.Ctx) {
	argv := c.Args[2:]
	cmd, pos, ok := s.keysOf(c, argv)
	if !ok {
		return
	}
	var specs []cmddoc.KeySpec
	if doc := cmddoc.Lookup(cmd.FullName()); doc != nil {
		specs = doc.KeySpecs
	}
	found := keysFromSpecs(specs, argv)
	variable := variableKeyFlags(cmd.FullName(), argv)
	c.R.Array(len(pos))
	for _, p := range pos {
		flags := variable
		if flags == nil && p > 1 && strings.HasPrefix(cmd.FullName(), "sort") &&
			strings.EqualFold(string(argv[p-1]), "store") {
			// SORT ... STORE dst: Valkey's sortGetKeys flags it.
			flags = []string{"OW", "update"}
		}
		for _, k := range found {
			if flags == nil && k.pos == p {
				flags = k.flags
				break
			}
		}
		if flags == nil && len(specs) > 0 {
			flags = specs[0].Flags
		}
		c.R.Array(2)
		c.R.Bulk(argv[p])
		c.R.Set(len(flags))
		for _, f := range flags {
			c.R.Simple(f)
		}
	}
}

type specKey struct {
	pos   int
	flags []string
}

// keysFromSpecs evaluates Valkey key specs over argv as
// getKeysUsingKeySpecs does with partial results allowed: each spec that
// can be applied contributes its keys with its flags.
func keysFromSpecs(specs []cmddoc.KeySpec, argv [][]byte) []specKey {
	var out []specKey
	argc := len(argv)
	for i := range specs {
		sp := &specs[i]
		if hasString(sp.Flags, "not_key") {
			continue
		}
		first := 0
		switch sp.BeginSearch {
		case "index":
			first = sp.Index
		case "keyword":
			start, end := sp.StartFrom, argc-1
			if start <= 0 {
				start, end = argc+sp.StartFrom, 1
			}
			for j := start; j != end; {
				if j >= argc || j < 1 {
					break
				}
				if strings.EqualFold(string(argv[j]), sp.Keyword) {
					first = j + 1
					break
				}
				if start <= end {
					j++
				} else {
					j--
				}
			}
			if first == 0 {
				continue
			}
		default:
			continue
		}
		var last, step int
		switch sp.FindKeys {
		case "range":
			step = sp.KeyStep
			switch {
			case sp.LastKey >= 0:
				last = first + sp.LastKey
			case sp.Limit == 0:
				last = argc + sp.LastKey
			default:
				last = first + ((argc-first)/sp.Limit + sp.LastKey)
			}
		case "keynum":
			step = sp.KeyStep
			if sp.KeyNumIdx >= argc || first+sp.KeyNumIdx >= argc {
				continue
			}
			n, err := strconv.ParseInt(string(argv[first+sp.KeyNumIdx]), 10, 64)
			if err != nil || n < 0 || n > int64(argc) {
				continue
			}
			first += sp.FirstKey
			last = first + int(n) - 1
		default:
			continue
		}
		if last >= argc || last < first || first >= argc || step <= 0 {
			continue
		}
		for j := first; j <= last; j += step {
			out = append(out, specKey{j, sp.Flags})
		}
	}
	return out
}

// variableKeyFlags returns the key flags of commands whose key spec says
// "variable_flags", as their Valkey getkeys functions decide them from the
// arguments; nil for other commands.
func variableKeyFlags(name string, argv [][]byte) []string {
	switch name {
	case "set":
		for _, a := range argv[min(3, len(argv)):] {
			if strings.EqualFold(string(a), "get") {
				return []string{"RW", "access", "update"}
			}
		}
		return []string{"OW", "update"}
	case "bitfield":
		readonly := true
	loop:
		for i := 2; i < len(argv); i++ {
			rem := len(argv) - i - 1
			switch a := string(argv[i]); {
			case strings.EqualFold(a, "get") && rem >= 2:
				i += 2
			case (strings.EqualFold(a, "set") || strings.EqualFold(a, "incrby")) && rem >= 3:
				readonly = false
				break loop
			case strings.EqualFold(a, "overflow") && rem >= 1:
				i++
			default:
				readonly = false
				break loop
			}
		}
		if readonly {
			return []string{"RO", "access"}
		}
		return []string{"RW", "access", "update"}
	}
	return nil
}

func cmdCommandHelp(c *engine.Ctx) {
	replyHelp(c, string(c.Args[0]),
		"(no subcommand)",
		"    Return details about all commands.",
		"COUNT",
		"    Return the total number of commands in this server.",
		"LIST",
		"    Return a list of all commands in this server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full command.",
	)
}
