package engine

import (
	"strconv"
	"strings"
)

// client-output-buffer-limit: how much output a connection may have
// pending before it is disconnected, per client class, as Valkey's
// clientBufferLimitsConfig. The front end enforces it; the engine keeps
// the parameter with the node's other settings.

// Client classes of client-output-buffer-limit, in Valkey's order.
const (
	// OutputNormal is ordinary clients.
	OutputNormal = iota
	// OutputReplica is replicas (and MONITOR clients).
	OutputReplica
	// OutputPubSub is clients subscribed to a channel or pattern.
	OutputPubSub

	numOutputClasses
)

// outputClassNames are the classes as CONFIG GET prints them.
var outputClassNames = [numOutputClasses]string{"normal", "slave", "pubsub"}

// OutputBufferLimit is one class's limits. A client is disconnected when
// its pending output reaches Hard bytes, or stays at or over Soft bytes
// for more than SoftSeconds; zero disables a limit.
type OutputBufferLimit struct {
	Hard, Soft  uint64
	SoftSeconds int64
}

// OutputBufferLimits are the limits of every class, indexed by
// OutputNormal, OutputReplica and OutputPubSub.
type OutputBufferLimits [numOutputClasses]OutputBufferLimit

// defaultOutputBufferLimits are Valkey's defaults: "normal 0 0 0 slave
// 268435456 67108864 60 pubsub 33554432 8388608 60".
var defaultOutputBufferLimits = OutputBufferLimits{
	{0, 0, 0},
	{256 << 20, 64 << 20, 60},
	{32 << 20, 8 << 20, 60},
}

// OutputBufferLimits returns the current client-output-buffer-limit (one
// atomic load). The result must not be modified.
func (n *Node) OutputBufferLimits() *OutputBufferLimits {
	return n.Config.eng.outputBufferLimits.Load()
}

// registerOutputBufferLimits registers client-output-buffer-limit.
func registerOutputBufferLimits(n *Node) {
	c := n.Config
	def := defaultOutputBufferLimits
	c.eng.outputBufferLimits.Store(&def)
	c.Register(&Param{
		Name: "client-output-buffer-limit",
		Get:  func() string { return FormatOutputBufferLimits(n.OutputBufferLimits()) },
		Set: func(v string) error {
			l, err := ParseOutputBufferLimits(v, n.OutputBufferLimits())
			if err != nil {
				return err
			}
			c.eng.outputBufferLimits.Store(l)
			return nil
		},
	})
}

// FormatOutputBufferLimits prints limits as CONFIG GET does.
func FormatOutputBufferLimits(l *OutputBufferLimits) string {
	var b []byte
	for i, cl := range l {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, outputClassNames[i]...)
		b = append(b, ' ')
		b = strconv.AppendUint(b, cl.Hard, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, cl.Soft, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, cl.SoftSeconds, 10)
	}
	return string(b)
}

// ParseOutputBufferLimits reads a client-output-buffer-limit value as
// Valkey's updateClientOutputBufferLimit does: groups of <class> <hard>
// <soft> <soft seconds> separated by single spaces, each applied over cur;
// either every group is valid and applied or none is.
func ParseOutputBufferLimits(v string, cur *OutputBufferLimits) (*OutputBufferLimits, error) {
	var args []string
	if v != "" {
		args = strings.Split(v, " ")
	}
	if len(args)%4 != 0 {
		return nil, paramError("Wrong number of arguments in buffer limit configuration.")
	}
	out := *cur
	for j := 0; j < len(args); j += 4 {
		class := -1
		switch strings.ToLower(args[j]) {
		case "normal":
			class = OutputNormal
		case "slave", "replica":
			class = OutputReplica
		case "pubsub":
			class = OutputPubSub
		}
		if class < 0 {
			return nil, paramError("Invalid client class specified in buffer limit configuration.")
		}
		hard, ok1 := ParseMemory(args[j+1])
		soft, ok2 := ParseMemory(args[j+2])
		secs, ok3 := strtoll(args[j+3])
		// Valkey stores the seconds in an int.
		secs = int64(int32(secs))
		if !ok1 || !ok2 || !ok3 || secs < 0 {
			return nil, paramError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		out[class] = OutputBufferLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
	}
	return &out, nil
}

// Over reports whether a client with used bytes of pending output is over
// the limit, as Valkey's checkClientOutputBufferLimits: the hard limit is
// reached, or the soft limit has been for more than SoftSeconds. softSince
// is the client's record of when it first reached the soft limit (unix
// seconds, 0 when under it); now is the time in unix seconds.
func (l *OutputBufferLimit) Over(used uint64, softSince *int64, now int64) bool {
	if l.Hard != 0 && used >= l.Hard {
		return true
	}
	if l.Soft == 0 || used < l.Soft {
		*softSince = 0
		return false
	}
	if *softSince == 0 {
		*softSince = now
		return false
	}
	return now-*softSince > l.SoftSeconds
}
