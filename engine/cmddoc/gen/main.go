// Command gen writes engine/cmddoc's generated data from Valkey's command
// JSON files: go run ./gen -in <dir of *.json> -out zcommands.go
//
// -in may list several directories, comma-separated: Valkey's JSON (Valkey
// 8, kept outside the repository) and valkey9/, the JSON of the commands
// Valkey 9 added that flect serves.
//
// It applies the transformations Valkey's own generator
// (utils/generate-command-code.py) and command table setup (server.c
// populateCommandStructure) apply, so that the data prints exactly as
// Valkey's COMMAND INFO and COMMAND DOCS do: lower-case argument names and
// display texts, upper-case tokens, implicit ACL categories, the legacy
// key range and the movablekeys flag derived from the key specs. Commands
// that exist only in Sentinel mode are left out.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/flect-kv/flect/engine/cmddoc"
)

func main() {
	in := flag.String("in", "", "directories of Valkey command JSON files, comma-separated")
	out := flag.String("out", "zcommands.go", "output Go file")
	flag.Parse()
	docs, err := Load(strings.Split(*in, ",")...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	src, err := Generate(docs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// jsonCommand is one command of a Valkey JSON file.
type jsonCommand struct {
	Summary         string         `json:"summary"`
	Complexity      string         `json:"complexity"`
	Group           string         `json:"group"`
	Since           string         `json:"since"`
	Arity           int            `json:"arity"`
	Container       string         `json:"container"`
	History         [][2]string    `json:"history"`
	DeprecatedSince string         `json:"deprecated_since"`
	ReplacedBy      string         `json:"replaced_by"`
	DocFlags        []string       `json:"doc_flags"`
	CommandFlags    []string       `json:"command_flags"`
	ACLCategories   []string       `json:"acl_categories"`
	CommandTips     []string       `json:"command_tips"`
	KeySpecs        []jsonKeySpec  `json:"key_specs"`
	Arguments       []jsonArgument `json:"arguments"`
}

type jsonKeySpec struct {
	Notes       string   `json:"notes"`
	Flags       []string `json:"flags"`
	BeginSearch struct {
		Index *struct {
			Pos int `json:"pos"`
		} `json:"index"`
		Keyword *struct {
			Keyword   string `json:"keyword"`
			StartFrom int    `json:"startfrom"`
		} `json:"keyword"`
	} `json:"begin_search"`
	FindKeys struct {
		Range *struct {
			LastKey int `json:"lastkey"`
			Step    int `json:"step"`
			Limit   int `json:"limit"`
		} `json:"range"`
		KeyNum *struct {
			KeyNumIdx int `json:"keynumidx"`
			FirstKey  int `json:"firstkey"`
			Step      int `json:"step"`
		} `json:"keynum"`
	} `json:"find_keys"`
}

type jsonArgument struct {
	Name            string         `json:"name"`
	Type            string         `json:"type"`
	Display         string         `json:"display"`
	KeySpecIndex    *int           `json:"key_spec_index"`
	Token           string         `json:"token"`
	Summary         string         `json:"summary"`
	Since           string         `json:"since"`
	DeprecatedSince string         `json:"deprecated_since"`
	Optional        truthy         `json:"optional"`
	Multiple        truthy         `json:"multiple"`
	MultipleToken   truthy         `json:"multiple_token"`
	Arguments       []jsonArgument `json:"arguments"`
}

// truthy is a JSON value read with Python's truthiness, as Valkey's
// generator reads it: a few files spell flags as strings ("true").
type truthy bool

func (t *truthy) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*t = truthy(v)
	case string:
		*t = v != ""
	case float64:
		*t = v != 0
	default:
		*t = v != nil
	}
	return nil
}

// commandFlagOrder is the order and spelling of the flags COMMAND INFO
// shows (server.c addReplyFlagsForCommand); others are hidden.
var commandFlagOrder = []struct{ json, name string }{
	{"WRITE", "write"}, {"READONLY", "readonly"}, {"DENYOOM", "denyoom"},
	{"MODULE", "module"}, {"ADMIN", "admin"}, {"PUBSUB", "pubsub"},
	{"NOSCRIPT", "noscript"}, {"BLOCKING", "blocking"}, {"LOADING", "loading"},
	{"STALE", "stale"}, {"SKIP_MONITOR", "skip_monitor"},
	{"SKIP_SLOWLOG", "skip_slowlog"}, {"ASKING", "asking"}, {"FAST", "fast"},
	{"NO_AUTH", "no_auth"}, {"NO_MANDATORY_KEYS", "no_mandatory_keys"},
	{"NO_ASYNC_LOADING", "no_async_loading"}, {"NO_MULTI", "no_multi"},
	{"MOVABLE_KEYS", "movablekeys"}, {"ALLOW_BUSY", "allow_busy"},
}

// aclCategoryOrder is Valkey's ACL category table order (acl.c).
var aclCategoryOrder = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// keySpecFlagOrder is the order and spelling of key spec flags.
var keySpecFlagOrder = []struct{ json, name string }{
	{"RO", "RO"}, {"RW", "RW"}, {"OW", "OW"}, {"RM", "RM"},
	{"ACCESS", "access"}, {"UPDATE", "update"}, {"INSERT", "insert"},
	{"DELETE", "delete"}, {"NOT_KEY", "not_key"}, {"INCOMPLETE", "incomplete"},
	{"VARIABLE_FLAGS", "variable_flags"},
}

// Load reads every *.json file of dirs and returns the metadata of every
// command and subcommand, sorted by full name.
func Load(dirs ...string) ([]cmddoc.Doc, error) {
	var files []string
	for _, dir := range dirs {
		fs, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			return nil, fmt.Errorf("no JSON files in %q", dir)
		}
		files = append(files, fs...)
	}
	type entry struct {
		name string
		cmd  jsonCommand
	}
	var entries []entry
	groups := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]jsonCommand
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for name, c := range m {
			if has(c.CommandFlags, "ONLY_SENTINEL") {
				continue
			}
			full := strings.ToLower(name)
			if c.Container != "" {
				full = strings.ToLower(c.Container) + "|" + full
			} else {
				groups[full] = c.Group
			}
			entries = append(entries, entry{full, c})
		}
	}
	docs := make([]cmddoc.Doc, 0, len(entries))
	for _, e := range entries {
		group := e.cmd.Group
		if e.cmd.Container != "" {
			g, ok := groups[strings.ToLower(e.cmd.Container)]
			if !ok {
				continue // the container exists only in Sentinel
			}
			group = g
		}
		d, err := convert(e.name, group, e.cmd)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Name < docs[j].Name })
	return docs, nil
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func convert(name, group string, c jsonCommand) (cmddoc.Doc, error) {
	d := cmddoc.Doc{
		Name: name, Summary: c.Summary, Since: c.Since, Complexity: c.Complexity,
		Group:           strings.ReplaceAll(group, "_", "-"),
		DeprecatedSince: c.DeprecatedSince, ReplacedBy: c.ReplacedBy,
		History: c.History, Arity: c.Arity,
	}
	for _, f := range []struct{ json, name string }{{"DEPRECATED", "deprecated"}, {"SYSCMD", "syscmd"}} {
		if has(c.DocFlags, f.json) {
			d.DocFlags = append(d.DocFlags, f.name)
		}
	}
	for _, t := range c.CommandTips {
		d.Tips = append(d.Tips, strings.ToLower(t))
	}
	for _, ks := range c.KeySpecs {
		spec, err := convertKeySpec(ks)
		if err != nil {
			return d, err
		}
		d.KeySpecs = append(d.KeySpecs, spec)
	}
	flags := append([]string(nil), c.CommandFlags...)
	var movable bool
	d.First, d.Last, d.Step, movable = legacyRange(d.KeySpecs)
	if movable {
		flags = append(flags, "MOVABLE_KEYS")
	}
	for _, f := range commandFlagOrder {
		if has(flags, f.json) {
			d.Flags = append(d.Flags, f.name)
		}
	}
	d.ACLCategories = aclCategories(c)
	for _, a := range c.Arguments {
		arg, err := convertArg(a)
		if err != nil {
			return d, err
		}
		d.Args = append(d.Args, arg)
	}
	return d, nil
}

func convertKeySpec(ks jsonKeySpec) (cmddoc.KeySpec, error) {
	var s cmddoc.KeySpec
	s.Notes = ks.Notes
	for _, f := range keySpecFlagOrder {
		if has(ks.Flags, f.json) {
			s.Flags = append(s.Flags, f.name)
		}
	}
	switch bs := ks.BeginSearch; {
	case bs.Index != nil:
		s.BeginSearch, s.Index = "index", bs.Index.Pos
	case bs.Keyword != nil:
		s.BeginSearch, s.Keyword, s.StartFrom = "keyword", bs.Keyword.Keyword, bs.Keyword.StartFrom
	default:
		s.BeginSearch = "unknown"
	}
	switch fk := ks.FindKeys; {
	case fk.Range != nil:
		s.FindKeys, s.LastKey, s.KeyStep, s.Limit = "range", fk.Range.LastKey, fk.Range.Step, fk.Range.Limit
	case fk.KeyNum != nil:
		s.FindKeys, s.KeyNumIdx, s.FirstKey, s.KeyStep = "keynum", fk.KeyNum.KeyNumIdx, fk.KeyNum.FirstKey, fk.KeyNum.Step
	default:
		s.FindKeys = "unknown"
	}
	return s, nil
}

// legacyRange derives COMMAND INFO's first/last/step from the key specs
// and reports whether the command has movable keys, as Valkey's
// populateCommandLegacyRangeSpec does.
func legacyRange(specs []cmddoc.KeySpec) (first, last, step int, movable bool) {
	if len(specs) == 0 {
		return 0, 0, 0, false
	}
	isRange := func(s cmddoc.KeySpec) bool { return s.BeginSearch == "index" && s.FindKeys == "range" }
	incomplete := func(s cmddoc.KeySpec) bool { return has(s.Flags, "incomplete") }
	abs := func(s cmddoc.KeySpec) int {
		if s.LastKey >= 0 {
			return s.Index + s.LastKey
		}
		return s.LastKey
	}
	if len(specs) == 1 && isRange(specs[0]) {
		s := specs[0]
		return s.Index, abs(s), s.KeyStep, incomplete(s)
	}
	firstKey, lastKey, prevLast := -1, 0, 0
	for _, s := range specs {
		if !isRange(s) {
			movable = true
			continue
		}
		if s.KeyStep != 1 || (prevLast != 0 && prevLast != s.Index-1) {
			movable = true
			continue
		}
		if incomplete(s) {
			movable = true
		}
		if firstKey < 0 || s.Index < firstKey {
			firstKey = s.Index
		}
		// Valkey compares as unsigned, so a negative (relative to the end)
		// last key wins over any positive one.
		if uint32(abs(s)) > uint32(lastKey) {
			lastKey = abs(s)
		}
		prevLast = lastKey
	}
	if firstKey < 0 {
		return 0, 0, 0, true
	}
	return firstKey, lastKey, 1, movable
}

// aclCategories returns the explicit and implicit categories of c in
// Valkey's order (server.c setImplicitACLCategories).
func aclCategories(c jsonCommand) []string {
	cats := map[string]bool{}
	for _, a := range c.ACLCategories {
		cats[strings.ToLower(a)] = true
	}
	f := func(s string) bool { return has(c.CommandFlags, s) }
	if f("WRITE") {
		cats["write"] = true
	}
	if f("READONLY") && !cats["scripting"] {
		cats["read"] = true
	}
	if f("ADMIN") {
		cats["admin"], cats["dangerous"] = true, true
	}
	if f("PUBSUB") {
		cats["pubsub"] = true
	}
	if f("FAST") {
		cats["fast"] = true
	}
	if f("BLOCKING") {
		cats["blocking"] = true
	}
	if !cats["fast"] {
		cats["slow"] = true
	}
	var out []string
	for _, name := range aclCategoryOrder {
		if cats[name] {
			out = append(out, "@"+name)
		}
	}
	return out
}

func convertArg(a jsonArgument) (cmddoc.Arg, error) {
	arg := cmddoc.Arg{
		Name: strings.ToLower(a.Name), Type: a.Type, Token: strings.ToUpper(a.Token),
		Summary: a.Summary, Since: a.Since, DeprecatedSince: a.DeprecatedSince,
	}
	switch a.Type {
	case "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block":
	default:
		return arg, fmt.Errorf("argument %s: unknown type %q", a.Name, a.Type)
	}
	if a.Type != "oneof" && a.Type != "block" && a.Display != "" && strings.ToLower(a.Display) != arg.Name {
		arg.Display = strings.ToLower(a.Display)
	}
	if a.KeySpecIndex != nil {
		arg.KeySpec = *a.KeySpecIndex + 1
	}
	if a.Optional {
		arg.Flags |= cmddoc.ArgOptional
	}
	if a.Multiple {
		arg.Flags |= cmddoc.ArgMultiple
	}
	if a.MultipleToken {
		arg.Flags |= cmddoc.ArgMultipleToken
	}
	for _, sub := range a.Arguments {
		s, err := convertArg(sub)
		if err != nil {
			return arg, err
		}
		arg.Args = append(arg.Args, s)
	}
	return arg, nil
}

// Generate returns the gofmt-ed Go source of zcommands.go for docs.
func Generate(docs []cmddoc.Doc) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by engine/cmddoc/gen from Valkey's src/commands/*.json. DO NOT EDIT.\n")
	b.WriteString("// The data is Valkey's, under the BSD licence in LICENSE.\n\n")
	b.WriteString("package cmddoc\n\n")
	b.WriteString("var docs = []Doc{\n")
	for _, d := range docs {
		writeDoc(&b, d)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func q(s string) string { return strconv.Quote(s) }

func strs(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = q(s)
	}
	return "[]string{" + strings.Join(parts, ", ") + "}"
}

func writeDoc(b *bytes.Buffer, d cmddoc.Doc) {
	fmt.Fprintf(b, "{Name: %s, Arity: %d", q(d.Name), d.Arity)
	opt := func(field, v string) {
		if v != "" {
			fmt.Fprintf(b, ", %s: %s", field, q(v))
		}
	}
	opt("Summary", d.Summary)
	opt("Since", d.Since)
	opt("Complexity", d.Complexity)
	opt("Group", d.Group)
	opt("DeprecatedSince", d.DeprecatedSince)
	opt("ReplacedBy", d.ReplacedBy)
	if len(d.DocFlags) > 0 {
		fmt.Fprintf(b, ", DocFlags: %s", strs(d.DocFlags))
	}
	if len(d.Flags) > 0 {
		fmt.Fprintf(b, ", Flags: %s", strs(d.Flags))
	}
	if len(d.ACLCategories) > 0 {
		fmt.Fprintf(b, ", ACLCategories: %s", strs(d.ACLCategories))
	}
	if len(d.Tips) > 0 {
		fmt.Fprintf(b, ", Tips: %s", strs(d.Tips))
	}
	if d.First != 0 || d.Last != 0 || d.Step != 0 {
		fmt.Fprintf(b, ", First: %d, Last: %d, Step: %d", d.First, d.Last, d.Step)
	}
	if len(d.History) > 0 {
		b.WriteString(",\n\tHistory: [][2]string{")
		for _, h := range d.History {
			fmt.Fprintf(b, "{%s, %s}, ", q(h[0]), q(h[1]))
		}
		b.WriteString("}")
	}
	if len(d.KeySpecs) > 0 {
		b.WriteString(",\n\tKeySpecs: []KeySpec{")
		for _, s := range d.KeySpecs {
			writeKeySpec(b, s)
		}
		b.WriteString("}")
	}
	if len(d.Args) > 0 {
		b.WriteString(",\n\tArgs: ")
		writeArgs(b, d.Args)
	}
	b.WriteString("},\n")
}

func writeKeySpec(b *bytes.Buffer, s cmddoc.KeySpec) {
	fmt.Fprintf(b, "{Flags: %s, BeginSearch: %s", strs(s.Flags), q(s.BeginSearch))
	if s.Notes != "" {
		fmt.Fprintf(b, ", Notes: %s", q(s.Notes))
	}
	switch s.BeginSearch {
	case "index":
		fmt.Fprintf(b, ", Index: %d", s.Index)
	case "keyword":
		fmt.Fprintf(b, ", Keyword: %s, StartFrom: %d", q(s.Keyword), s.StartFrom)
	}
	fmt.Fprintf(b, ", FindKeys: %s", q(s.FindKeys))
	switch s.FindKeys {
	case "range":
		fmt.Fprintf(b, ", LastKey: %d, KeyStep: %d, Limit: %d", s.LastKey, s.KeyStep, s.Limit)
	case "keynum":
		fmt.Fprintf(b, ", KeyNumIdx: %d, FirstKey: %d, KeyStep: %d", s.KeyNumIdx, s.FirstKey, s.KeyStep)
	}
	b.WriteString("}, ")
}

func writeArgs(b *bytes.Buffer, args []cmddoc.Arg) {
	b.WriteString("[]Arg{")
	for _, a := range args {
		fmt.Fprintf(b, "{Name: %s, Type: %s", q(a.Name), q(a.Type))
		opt := func(field, v string) {
			if v != "" {
				fmt.Fprintf(b, ", %s: %s", field, q(v))
			}
		}
		opt("Display", a.Display)
		if a.KeySpec != 0 {
			fmt.Fprintf(b, ", KeySpec: %d", a.KeySpec)
		}
		opt("Token", a.Token)
		opt("Summary", a.Summary)
		opt("Since", a.Since)
		opt("DeprecatedSince", a.DeprecatedSince)
		if a.Flags != 0 {
			fmt.Fprintf(b, ", Flags: %d", a.Flags)
		}
		if len(a.Args) > 0 {
			b.WriteString(", Args: ")
			writeArgs(b, a.Args)
		}
		b.WriteString("}, ")
	}
	b.WriteString("}")
}
