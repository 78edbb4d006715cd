package resp

import (
	"github.com/flect-kv/flect/engine"
)

// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE
// SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH and PUBSUB CHANNELS / NUMSUB /
// NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP. The registry is the
// namespace's (engine/pubsub.go); delivery is the outbuf's (outbuf.go).

func (s *Server) pubsubCommands() []*engine.Command {
	const sub = engine.PubSub | engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace
	const pub = engine.PubSub | engine.Loading | engine.Stale | engine.Fast | engine.MayReplicate | engine.NoKeyspace
	const intro = engine.PubSub | engine.Loading | engine.Stale | engine.NoKeyspace
	return []*engine.Command{
		{Name: "subscribe", Arity: -2, Flags: sub, Group: "pubsub", Run: cmdSubscribe},
		{Name: "unsubscribe", Arity: -1, Flags: sub, Group: "pubsub", Run: cmdUnsubscribe},
		{Name: "psubscribe", Arity: -2, Flags: sub, Group: "pubsub", Run: cmdPsubscribe},
		{Name: "punsubscribe", Arity: -1, Flags: sub, Group: "pubsub", Run: cmdPunsubscribe},
		{Name: "ssubscribe", Arity: -2, Flags: sub, First: 1, Last: -1, Step: 1, Group: "pubsub", Run: cmdSsubscribe},
		{Name: "sunsubscribe", Arity: -1, Flags: sub, First: 1, Last: -1, Step: 1, Group: "pubsub", Run: cmdSunsubscribe},
		{Name: "publish", Arity: 3, Flags: pub, Group: "pubsub", Run: cmdPublish},
		{Name: "spublish", Arity: 3, Flags: pub, First: 1, Last: 1, Step: 1, Group: "pubsub", Run: cmdSpublish},
		{Name: "pubsub", Arity: -2, Group: "pubsub", Subcommands: []*engine.Command{
			{Name: "channels", Arity: -2, Flags: intro, Run: cmdPubsubChannels},
			{Name: "numsub", Arity: -2, Flags: intro, Run: cmdPubsubNumsub},
			{Name: "numpat", Arity: 2, Flags: intro, Run: cmdPubsubNumpat},
			{Name: "shardchannels", Arity: -2, Flags: intro, Run: cmdPubsubShardchannels},
			{Name: "shardnumsub", Arity: -2, Flags: intro, Run: cmdPubsubShardnumsub},
			{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdPubsubHelp},
		}},
	}
}

// The first element of the confirmations of each subscription kind.
var (
	subscribeVerb   = [...]string{engine.SubChannel: "subscribe", engine.SubPattern: "psubscribe", engine.SubShard: "ssubscribe"}
	unsubscribeVerb = [...]string{engine.SubChannel: "unsubscribe", engine.SubPattern: "punsubscribe", engine.SubShard: "sunsubscribe"}
)

func cmdSubscribe(c *engine.Ctx)    { subscribe(c, engine.SubChannel) }
func cmdPsubscribe(c *engine.Ctx)   { subscribe(c, engine.SubPattern) }
func cmdSsubscribe(c *engine.Ctx)   { subscribe(c, engine.SubShard) }
func cmdUnsubscribe(c *engine.Ctx)  { unsubscribe(c, engine.SubChannel) }
func cmdPunsubscribe(c *engine.Ctx) { unsubscribe(c, engine.SubPattern) }
func cmdSunsubscribe(c *engine.Ctx) { unsubscribe(c, engine.SubShard) }

// subscribe subscribes to every argument, confirming each with a push
// that carries the subscription count after it.
func subscribe(c *engine.Ctx, kind engine.SubKind) {
	if kind == engine.SubShard && c.NoBlock {
		// Inside EXEC: Valkey refuses SSUBSCRIBE to a client that may
		// not block (SUBSCRIBE and PSUBSCRIBE are let through there).
		c.Error(engine.ErrSsubscribeDenyBlocking)
		return
	}
	sess := sessionOf(c)
	subs := sess.pubsubStart().subs.Load()
	for _, name := range c.Args[1:] {
		subs.Subscribe(kind, name)
		confirm(c.R, subscribeVerb[kind], name, subs.ReplyCount(kind))
	}
	sess.commitPushes()
}

// unsubscribe unsubscribes from the arguments, or from every name of the
// kind when there is none, confirming each (with a null name when there
// was nothing to unsubscribe from).
func unsubscribe(c *engine.Ctx, kind engine.SubKind) {
	sess := sessionOf(c)
	p := sess.ps.p.Load()
	if !p.subscribed() {
		c.Error(engine.ErrNoSub(c.Cmd.FullName()))
		return
	}
	subs := p.subs.Load()
	// Messages delivered before an unsubscription go out before its
	// confirmation; inside a transaction they wait for its end.
	fold := p.top == c.Cmd
	one := func(name []byte) {
		subs.Unsubscribe(kind, name)
		if fold {
			p.out.foldHeld(sess.w)
		}
		confirm(c.R, unsubscribeVerb[kind], name, subs.ReplyCount(kind))
	}
	if len(c.Args) > 1 {
		for _, name := range c.Args[1:] {
			one(name)
		}
	} else {
		names := subs.Names(kind)
		for _, n := range names {
			one([]byte(n))
		}
		if len(names) == 0 {
			confirm(c.R, unsubscribeVerb[kind], nil, subs.ReplyCount(kind))
		}
	}
	sess.commitPushes()
}

// confirm writes a (un)subscribe confirmation; a nil name is written as
// a null.
func confirm(r engine.Reply, verb string, name []byte, count int64) {
	r.Push(3)
	r.BulkString(verb)
	if name == nil {
		r.Null()
	} else {
		r.Bulk(name)
	}
	r.Int(count)
}

func cmdPublish(c *engine.Ctx) { c.R.Int(c.Client.NS.Publish(c.Args[1], c.Args[2])) }

func cmdSpublish(c *engine.Ctx) { c.R.Int(c.Client.NS.SPublish(c.Args[1], c.Args[2])) }

// PUBSUB

func cmdPubsubChannels(c *engine.Ctx)      { pubsubChannels(c, engine.SubChannel) }
func cmdPubsubShardchannels(c *engine.Ctx) { pubsubChannels(c, engine.SubShard) }
func cmdPubsubNumsub(c *engine.Ctx)        { pubsubNumsub(c, engine.SubChannel) }
func cmdPubsubShardnumsub(c *engine.Ctx)   { pubsubNumsub(c, engine.SubShard) }

func pubsubChannels(c *engine.Ctx, kind engine.SubKind) {
	if len(c.Args) > 3 {
		subcommandSyntaxError(c)
		return
	}
	var pattern []byte
	if len(c.Args) == 3 {
		pattern = c.Args[2]
	}
	names := c.Client.NS.Channels(kind, pattern)
	c.R.Array(len(names))
	for _, n := range names {
		c.R.BulkString(n)
	}
}

func pubsubNumsub(c *engine.Ctx, kind engine.SubKind) {
	ns := c.Client.NS
	c.R.Array(2 * (len(c.Args) - 2))
	for _, name := range c.Args[2:] {
		c.R.Bulk(name)
		c.R.Int(ns.NumSub(kind, name))
	}
}

func cmdPubsubNumpat(c *engine.Ctx) { c.R.Int(c.Client.NS.PubSubStats().Patterns) }

func cmdPubsubHelp(c *engine.Ctx) {
	replyHelp(c, string(c.Args[0]),
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	)
}

// pubsubPong is PING's reply in RESP2 subscribed mode: a "pong" array
// with the argument (or an empty string).
func pubsubPong(c *engine.Ctx) {
	c.R.Array(2)
	c.R.BulkString("pong")
	if len(c.Args) == 2 {
		c.R.Bulk(c.Args[1])
	} else {
		c.R.BulkString("")
	}
}
