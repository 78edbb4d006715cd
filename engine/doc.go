// Package engine is flect's data side: the command table, namespaces and
// their databases, the value types and every data command, the expiry
// wheel and the clock. It imports no network code; front ends hand it argv
// and a Reply to write to.
//
// Concurrency: each database is split into NumShards shards, each with its
// own lock. A command locks the shards of the keys its table entry declares
// (in shard order, so multi-key commands cannot deadlock) while holding its
// namespace shared; transactions, scripts and whole-keyspace commands hold
// the namespace exclusively instead. Every command therefore runs as if
// alone, and single-key commands on different shards run in parallel.
package engine
