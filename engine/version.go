package engine

// Identity the node reports to clients (HELLO, INFO). Clients and tools
// look at these to decide what a server supports, so flect reports the
// Valkey release whose behaviour it follows.
const (
	// ServerName is HELLO's "server" and INFO's server_name.
	ServerName = "valkey"
	// ValkeyVersion is HELLO's "version" and INFO's valkey_version.
	ValkeyVersion = "8.0.1"
	// RedisVersion is INFO's redis_version, as Valkey reports it.
	RedisVersion = "7.2.4"
)
