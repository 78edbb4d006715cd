// Package tenancy keeps a node's named key-value stores: their names,
// credentials, quotas and counters, and the engine namespace each one owns.
// It maps credentials to namespaces and knows nothing of data structures or
// of the network; the RESP front end binds authenticated connections to the
// namespace it returns.
//
// A store's secret is generated from crypto/rand (192 bits, URL-safe
// base64) and returned once by Create and Rotate. The registry
// authenticates with a SHA-256 of it, compared in constant time; to answer
// the administrator's URL requests it also keeps the secret sealed
// (AES-GCM) under a key that lives only in this process's memory, so a
// dump of the registry's tables never shows a secret in clear.
//
// Stores live in memory: they do not survive a restart until the node has
// a data directory. Quotas (maxmemory and policy) are recorded and
// reported; enforcing them comes with per-store memory accounting.
//
// A Registry is safe for concurrent use.
package tenancy
