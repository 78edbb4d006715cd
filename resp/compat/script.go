// Package compat reads flect's differential test scripts
// (testdata/compat/*.txt) and holds the helpers the differential runner
// needs: comparing raw replies, and running a real redis-server beside an
// in-process flect node.
//
// A script has one directive per line:
//
//	# comment                 (blank lines are ignored too)
//	SET foo "a b"             a command in redis-cli inline syntax, sent to
//	                          both servers; raw replies must be identical
//	sorted: SMEMBERS s        the top-level aggregate's elements are
//	                          compared sorted
//	ignore: RANDOMKEY         only the reply type (first byte) must match
//	valkey: BITCOUNT k 0 => :3\r\n
//	                          sent to flect only; compared with the expected
//	                          raw reply, written with Go string escapes
//	sleep: 1200               pause, in milliseconds
//	resp3                     both connections switch to RESP3 (HELLO 3)
//	read                      read one more reply frame from both servers
//	                          (further subscribe confirmations, pushes) and
//	                          compare them
//	valkey-read => >3\r\n...  read one more frame from flect only and
//	                          compare it with the expected raw reply
//	needs: RPUSH              the directives that follow, up to the next
//	                          `needs:` line, run only once flect has every
//	                          command named (`needs:` alone ends the block)
package compat

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/flect-kv/flect/resp"
)

// Kind is what a directive does.
type Kind int

// Directive kinds.
const (
	// Exact sends a command to both servers and compares the raw replies.
	Exact Kind = iota
	// Sorted compares the top-level aggregate's elements in sorted order.
	Sorted
	// Ignore compares only the reply type.
	Ignore
	// Valkey sends a command to flect only and compares with Expect.
	Valkey
	// Sleep pauses for Sleep.
	Sleep
	// RESP3 switches both connections to RESP3.
	RESP3
	// Read reads one more frame from both connections and compares them.
	Read
	// ValkeyRead reads one more frame from flect and compares it with
	// Expect.
	ValkeyRead
)

// String returns the directive's prefix as written in scripts.
func (k Kind) String() string {
	switch k {
	case Exact:
		return "exact"
	case Sorted:
		return "sorted"
	case Ignore:
		return "ignore"
	case Valkey:
		return "valkey"
	case Sleep:
		return "sleep"
	case RESP3:
		return "resp3"
	case Read:
		return "read"
	case ValkeyRead:
		return "valkey-read"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// maxSleep bounds one sleep directive: scripts run in CI.
const maxSleep = 10 * time.Second

// Directive is one line of a script.
type Directive struct {
	// Line is the 1-based line number in the script.
	Line int
	Kind Kind
	// Text is the command as written (without the prefix).
	Text string
	// Args is Text split with resp.SplitArgs; empty for Sleep and RESP3.
	Args [][]byte
	// Expect is the raw reply a Valkey directive expects, unescaped.
	Expect string
	// Sleep is the pause of a Sleep directive.
	Sleep time.Duration
	// Needs names commands the directive depends on (from the last
	// `needs:` line); the runner skips it while flect lacks one of them.
	Needs []string
}

// Parse reads a script. Errors name the line.
func Parse(name string, r io.Reader) ([]Directive, error) {
	var out []Directive
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	var needs []string
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimLeft(text, " \t")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "needs:"); ok {
			// `needs: RPUSH` applies to the directives that follow, up
			// to the next `needs:` line; `needs:` alone ends it.
			needs = strings.Fields(strings.ToLower(rest))
			continue
		}
		d, err := parseLine(trimmed)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		d.Line = line
		d.Needs = needs
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func parseLine(s string) (Directive, error) {
	if s == "resp3" {
		return Directive{Kind: RESP3}, nil
	}
	if s == "read" {
		return Directive{Kind: Read}, nil
	}
	if rest, ok := strings.CutPrefix(s, "valkey-read => "); ok {
		exp, err := Unescape(rest)
		if err != nil {
			return Directive{}, err
		}
		return Directive{Kind: ValkeyRead, Expect: exp}, nil
	}
	kind, rest := Exact, s
	for _, p := range []struct {
		prefix string
		kind   Kind
	}{{"sorted:", Sorted}, {"ignore:", Ignore}, {"valkey:", Valkey}, {"sleep:", Sleep}} {
		if strings.HasPrefix(s, p.prefix) {
			kind, rest = p.kind, strings.TrimSpace(s[len(p.prefix):])
			break
		}
	}
	d := Directive{Kind: kind, Text: rest}
	switch kind {
	case Sleep:
		ms, err := strconv.Atoi(rest)
		if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxSleep {
			return d, fmt.Errorf("sleep wants milliseconds between 0 and %d, got %q", maxSleep.Milliseconds(), rest)
		}
		d.Sleep = time.Duration(ms) * time.Millisecond
		d.Text = ""
		return d, nil
	case Valkey:
		i := arrowIndex(rest)
		if i < 0 {
			return d, fmt.Errorf("valkey: wants `COMMAND => expected reply`")
		}
		exp, err := Unescape(rest[i+len(" => "):])
		if err != nil {
			return d, err
		}
		d.Text, d.Expect = strings.TrimSpace(rest[:i]), exp
	}
	args, ok := resp.SplitArgs([]byte(d.Text))
	if !ok {
		return d, fmt.Errorf("unbalanced quotes in %q", d.Text)
	}
	if len(args) == 0 {
		return d, fmt.Errorf("empty command")
	}
	d.Args = args
	return d, nil
}

// arrowIndex finds the " => " separating a valkey directive's command from
// its reply, skipping quoted arguments.
func arrowIndex(s string) int {
	inq, insq := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inq:
			if c == '\\' {
				i++
			} else if c == '"' {
				inq = false
			}
		case insq:
			if c == '\\' && i+1 < len(s) && s[i+1] == '\'' {
				i++
			} else if c == '\'' {
				insq = false
			}
		case c == '"':
			inq = true
		case c == '\'':
			insq = true
		case strings.HasPrefix(s[i:], " => "):
			return i
		}
	}
	return -1
}

// Unescape reads an expected reply written with Go string escapes: \r \n
// \t \0 \a \b \f \v \\ \" \' and \xHH. Other characters stand for
// themselves, double quotes included.
func Unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("trailing backslash in %q", s)
		}
		i++
		switch s[i] {
		case 'r':
			b = append(b, '\r')
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case '0':
			b = append(b, 0)
		case 'a':
			b = append(b, '\a')
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'v':
			b = append(b, '\v')
		case '\\', '"', '\'':
			b = append(b, s[i])
		case 'x':
			if i+2 >= len(s) {
				return "", fmt.Errorf("short \\x escape in %q", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", fmt.Errorf("bad \\x escape in %q", s)
			}
			b = append(b, byte(v))
			i += 2
		default:
			return "", fmt.Errorf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return string(b), nil
}
