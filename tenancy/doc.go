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
// Stores survive restarts when the registry is opened on a MetaStore (the
// node's data directory, persist.go); without one they live in memory. A
// store's quota (maxmemory and policy) is handed to its namespace, which
// evicts the store's own keys past it (engine/memory.go).
//
// A Registry is safe for concurrent use.
package tenancy
