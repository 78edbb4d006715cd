package engine

// Wire error texts, byte-exact with Valkey's. Keep every error a client can
// see here, so that a drift from Valkey is fixed in one place.
const (
	ErrSyntax          = "ERR syntax error"
	ErrWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNotInt          = "ERR value is not an integer or out of range"
	ErrNotFloat        = "ERR value is not a valid float"
	ErrOverflow        = "ERR increment or decrement would overflow"
	ErrNoSuchKey       = "ERR no such key"
	ErrDBIndex         = "ERR DB index is out of range"
	ErrSameObject      = "ERR source and destination objects are the same"
	ErrNoAuth          = "NOAUTH Authentication required."
	ErrWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	ErrBitOffset       = "ERR bit offset is not an integer or out of range"
	ErrBitValue        = "ERR bit is not an integer or out of range"
	ErrStringTooLong   = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrTimeoutNegative = "ERR timeout is negative"
	// ErrTimeoutNotFloat, ErrTimeoutNotInteger and ErrTimeoutOutOfRange
	// reject a blocking command's timeout.
	ErrTimeoutNotFloat   = "ERR timeout is not a float or out of range"
	ErrTimeoutNotInteger = "ERR timeout is not an integer or out of range"
	ErrTimeoutOutOfRange = "ERR timeout is out of range"
	ErrOutOfRange        = "ERR index out of range"
	ErrInternal          = "ERR internal error while executing the command"

	// String and bitmap commands.
	ErrDecrOverflow     = "ERR decrement would overflow"
	ErrOffsetRange      = "ERR offset is out of range"
	ErrIncrFloatNaN     = "ERR increment would produce NaN or Infinity"
	ErrLCSWrongType     = "ERR The specified keys must contain string values"
	ErrLCSLenAndIdx     = "ERR If you want both the length and indexes, please just use IDX."
	ErrLCSTooLong       = "ERR String too long for LCS"
	ErrLCSMemory        = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
	ErrLCSAlloc         = "ERR Insufficient memory, failed allocating transient memory for LCS"
	ErrBitArg           = "ERR The bit argument must be 1 or 0."
	ErrBitopNot         = "ERR BITOP NOT must be called with a single source key."
	ErrBitfieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	ErrBitfieldOverflow = "ERR Invalid OVERFLOW type specified"
	ErrBitfieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"
)

// ErrArity is the wrong-number-of-arguments error for a command's full name
// ("get", "client|setname").
func ErrArity(fullname string) string {
	return "ERR wrong number of arguments for '" + fullname + "' command"
}

// ErrInvalidExpire is the error for a bad expire time in the named command
// (lower case, as typed in the table).
func ErrInvalidExpire(cmd string) string {
	return "ERR invalid expire time in '" + cmd + "' command"
}

// ErrUnknownCommand formats Valkey's unknown-command error for argv.
func ErrUnknownCommand(argv [][]byte) string {
	args := make([]byte, 0, 64)
	for i := 1; i < len(argv) && len(args) < 128; i++ {
		a := argv[i]
		if room := 128 - len(args); len(a) > room {
			a = a[:room]
		}
		args = append(args, '\'')
		args = append(args, a...)
		args = append(args, '\'', ' ')
	}
	return sanitizeError("ERR unknown command '" + truncate(argv[0], 128) +
		"', with args beginning with: " + string(args))
}

// ErrUnknownSubcommand formats Valkey's unknown-subcommand error; cmd is the
// container command's name as Valkey prints it (upper case).
func ErrUnknownSubcommand(sub []byte, cmd string) string {
	return sanitizeError("ERR unknown subcommand '" + truncate(sub, 128) +
		"'. Try " + cmd + " HELP.")
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// sanitizeError replaces CR and LF so user text cannot break the protocol,
// as Valkey does for errors that echo arguments.
func sanitizeError(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] == '\r' || b[j] == '\n' {
					b[j] = ' '
				}
			}
			return string(b)
		}
	}
	return s
}

// ErrConfigSetUnknown is CONFIG SET's error for a parameter name it does
// not know, as the client typed it.
func ErrConfigSetUnknown(name string) string {
	return sanitizeError("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'")
}

// ErrConfigSetFailed is CONFIG SET's error for a value or parameter it
// refuses; reason is Valkey's explanation ("argument must be a memory
// value", "can't set immutable config").
func ErrConfigSetFailed(name, reason string) string {
	return sanitizeError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}

// Keyspace, expiry, SCAN and OBJECT errors.
const (
	ErrInvalidCursor  = "ERR invalid cursor"
	ErrExpireNXAnd    = "ERR NX and XX, GT or LT options at the same time are not compatible"
	ErrExpireGTAndLT  = "ERR GT and LT options at the same time are not compatible"
	ErrIntRange       = "ERR value is out of range, value must between -2147483648 and 2147483647"
	ErrSwapDBFirst    = "ERR invalid first DB index"
	ErrSwapDBSecond   = "ERR invalid second DB index"
	ErrNoValuesOption = "ERR NOVALUES option can only be used in HSCAN"
	ErrNoScoresOption = "ERR NOSCORES option can only be used in ZSCAN"
	ErrUnknownTypeObj = "ERR unknown type object"
	ErrLFUNotSelected = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrLFUSelected    = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// Hash errors.
const (
	ErrHashNotInt   = "ERR hash value is not an integer"
	ErrHashNotFloat = "ERR hash value is not a float"
	ErrHashIncrNaN  = "ERR value is NaN or Infinity"
)

// Set errors.
const (
	ErrMustBePositive  = "ERR value is out of range, must be positive"
	ErrLongRange       = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	ErrValueOutOfRange = "ERR value is out of range"
	ErrNumKeysPositive = "ERR numkeys should be greater than 0"
	ErrNumKeysTooMany  = "ERR Number of keys can't be greater than number of args"
	ErrLimitNegative   = "ERR LIMIT can't be negative"
)

// ErrUnsupportedOption is the expire commands' error for an unknown flag.
func ErrUnsupportedOption(opt []byte) string {
	return formatError("ERR Unsupported option " + cString(opt))
}

// ErrUnknownTypeName is SCAN's error for a TYPE it does not know.
func ErrUnknownTypeName(name []byte) string {
	return formatError("ERR unknown type name '" + cString(name) + "'")
}

// cString is what C's "%s" prints of an argument: the bytes before its
// first NUL.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// formatError is Valkey's addReplyErrorFormat clean-up: trailing CR and LF
// removed, inner ones turned into spaces.
func formatError(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return sanitizeError(s)
}

// Sorted set errors.
const (
	ErrZAddNXXX       = "ERR XX and NX options at the same time are not compatible"
	ErrZAddGTLTNX     = "ERR GT, LT, and/or NX options at the same time are not compatible"
	ErrZAddIncrPair   = "ERR INCR option supports a single increment-element pair"
	ErrZScoreNaN      = "ERR resulting score is not a number (NaN)"
	ErrZMinMaxFloat   = "ERR min or max is not a float"
	ErrZMinMaxLex     = "ERR min or max not valid string range item"
	ErrCountPositive  = "ERR count should be greater than 0"
	ErrZLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	ErrZWithScoresLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	ErrZWeightFloat   = "ERR weight value is not a float"
)

// ErrZSetopKeys is the set operations' error for a numkeys below 1.
func ErrZSetopKeys(fullname string) string {
	return "ERR at least 1 input key is needed for '" + fullname + "' command"
}

// List errors.
const (
	ErrLPosRankZero       = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	ErrLPosCountNegative  = "ERR COUNT can't be negative"
	ErrLPosMaxlenNegative = "ERR MAXLEN can't be negative"
)

// ErrSortScore is SORT's error for a weight that is not a number.
const ErrSortScore = "ERR One or more scores can't be converted into double"

// Stream errors.
const (
	ErrStreamBadID              = "ERR Invalid stream ID specified as stream command argument"
	ErrStreamStartInterval      = "ERR invalid start ID for the interval"
	ErrStreamEndInterval        = "ERR invalid end ID for the interval"
	ErrStreamMaxLenMinID        = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	ErrStreamMaxLenNegative     = "ERR The MAXLEN argument must be >= 0."
	ErrStreamLimitNegative      = "ERR The LIMIT argument must be >= 0."
	ErrStreamLimitNoStrategy    = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	ErrStreamXTrimNoStrategy    = "ERR syntax error, XTRIM must be called with a trimming strategy"
	ErrStreamLimitNoApprox      = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	ErrStreamXAddZeroID         = "ERR The ID specified in XADD must be greater than 0-0"
	ErrStreamExhausted          = "ERR The stream has exhausted the last possible ID, unable to add more items"
	ErrStreamXAddSmallerID      = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	ErrStreamTooLarge           = "ERR Elements are too large to be stored"
	ErrStreamGroupInXRead       = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
	ErrStreamNoAckInXRead       = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
	ErrStreamMissingGroup       = "ERR Missing GROUP option for XREADGROUP"
	ErrStreamDollarInGroup      = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
	ErrStreamPlusInGroup        = "ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set."
	ErrStreamGreaterNoGroup     = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
	ErrStreamLastIDZero         = "ERR the stream last element ID is 0-0"
	ErrStreamEntriesRead        = "ERR value for ENTRIESREAD must be positive or -1"
	ErrStreamXGroupNoKey        = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	ErrStreamBusyGroup          = "BUSYGROUP Consumer Group name already exists"
	ErrStreamEntriesAddedNeg    = "ERR entries_added must be positive"
	ErrStreamXSetIDBelowMaxDel  = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
	ErrStreamXSetIDBelowCurDel  = "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"
	ErrStreamXSetIDSmaller      = "ERR The ID specified in XSETID is smaller than the target stream top item"
	ErrStreamXSetIDEntriesAdded = "ERR The entries_added specified in XSETID is smaller than the target stream length"
	ErrXClaimMinIdle            = "ERR Invalid min-idle-time argument for XCLAIM"
	ErrXClaimIdle               = "ERR Invalid IDLE option argument for XCLAIM"
	ErrXClaimTime               = "ERR Invalid TIME option argument for XCLAIM"
	ErrXClaimRetryCount         = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
	ErrXAutoClaimMinIdle        = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
	ErrXAutoClaimCount          = "ERR COUNT must be > 0"
)

// ErrStreamUnbalanced is XREAD's and XREADGROUP's error for an odd number
// of arguments after STREAMS; symbol is '$' or '>'.
func ErrStreamUnbalanced(fullname string, symbol byte) string {
	return "ERR Unbalanced '" + fullname + "' list of streams: for each stream key an ID or '" +
		string(symbol) + "' must be specified."
}

// ErrNoGroupXReadGroup is XREADGROUP's error for a missing key or group.
func ErrNoGroupXReadGroup(key, group []byte) string {
	return formatError("NOGROUP No such key '" + cString(key) + "' or consumer group '" +
		cString(group) + "' in XREADGROUP with GROUP option")
}

// ErrNoGroupForKey is the error for a group missing from an existing stream.
func ErrNoGroupForKey(group, key []byte) string {
	return formatError("NOGROUP No such consumer group '" + cString(group) + "' for key name '" +
		cString(key) + "'")
}

// ErrNoKeyOrGroup is XPENDING's, XCLAIM's and XAUTOCLAIM's error for a
// missing key or group.
func ErrNoKeyOrGroup(key, group []byte) string {
	return formatError("NOGROUP No such key '" + cString(key) + "' or consumer group '" +
		cString(group) + "'")
}

// ErrXClaimOption is XCLAIM's error for an unknown option.
func ErrXClaimOption(opt []byte) string {
	return formatError("ERR Unrecognized XCLAIM option '" + cString(opt) + "'")
}

// ErrSubcommandSyntax is Valkey's addReplySubcommandSyntaxError.
func ErrSubcommandSyntax(args [][]byte) string {
	return formatError("ERR unknown subcommand or wrong number of arguments for '" +
		truncate([]byte(cString(args[1])), 128) + "'. Try " + upperASCII(cString(args[0])) + " HELP.")
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// Geo errors.
const (
	ErrGeoUnit           = "ERR unsupported unit provided. please use M, KM, FT, MI"
	ErrGeoRadiusNumeric  = "ERR need numeric radius"
	ErrGeoRadiusNegative = "ERR radius cannot be negative"
	ErrGeoWidthNumeric   = "ERR need numeric width"
	ErrGeoHeightNumeric  = "ERR need numeric height"
	ErrGeoBoxNegative    = "ERR height or width cannot be negative"
	ErrGeoMember         = "ERR could not decode requested zset member"
	ErrGeoCount          = "ERR COUNT must be > 0"
	ErrGeoAnyCount       = "ERR the ANY argument requires COUNT argument"
	ErrGeoStoreRadius    = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	ErrGeoStoreSearch    = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)

// ErrGeoLonLat is the error for a position outside the indexable limits,
// printed with C's "%f" (cFormatF, engine/geo_cmds.go).
func ErrGeoLonLat(lon, lat float64) string {
	return "ERR invalid longitude,latitude pair " + cFormatF(lon) + "," + cFormatF(lat)
}

// ErrGeoFrom is GEOSEARCH's error without FROMMEMBER or FROMLONLAT; name is
// the command name as the client sent it.
func ErrGeoFrom(name []byte) string {
	return "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(name)
}

// ErrGeoBy is GEOSEARCH's error without BYRADIUS or BYBOX.
func ErrGeoBy(name []byte) string {
	return "ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(name)
}

// HyperLogLog errors.
const (
	ErrNotHLL       = "WRONGTYPE Key is not a valid HyperLogLog string value."
	ErrInvalidHLL   = "INVALIDOBJ Corrupted HLL object detected"
	ErrPFDebugNoKey = "ERR The specified key does not exist"
	ErrHLLNotSparse = "ERR HLL encoding is not sparse"
)

// ErrPFDebugUnknown is PFDEBUG's error for a subcommand it does not know.
func ErrPFDebugUnknown(sub []byte) string {
	return formatError("ERR Unknown PFDEBUG subcommand '" + cString(sub) + "'")
}

// ErrPubSubContext is the error of a command other than (P|S)SUBSCRIBE,
// (P|S)UNSUBSCRIBE, PING, QUIT and RESET from a RESP2 client in
// subscribed mode.
func ErrPubSubContext(fullname string) string {
	return "ERR Can't execute '" + fullname + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// ErrNoSub is the error of (P|S)UNSUBSCRIBE from a client not in
// subscribed mode.
func ErrNoSub(fullname string) string {
	return "NOSUB '" + fullname + "' command executed not in subscribed mode"
}

// ErrNumFields is the Valkey 9 hash field expiry commands' error for a
// FIELDS block whose count is missing, zero or wrong.
const ErrNumFields = "ERR numfields should be greater than 0 and match the provided number of fields"

// ErrSsubscribeDenyBlocking is SSUBSCRIBE's error inside a transaction.
const ErrSsubscribeDenyBlocking = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"

// ErrNoPermCmd is Valkey's ACL refusal of a command, which flect gives a
// store's client running a node-wide command.
func ErrNoPermCmd(user, fullname string) string {
	return "NOPERM User " + user + " has no permissions to run the '" + fullname + "' command"
}

// Errors of the store administration commands (FLECT.KV).
const (
	ErrKVNotAdmin  = "NOPERM FLECT.KV needs the admin credential (the node's requirepass, or a loopback connection when none is set)"
	ErrKVName      = "ERR invalid store name: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit (not \"default\")"
	ErrKVExists    = "ERR a store with this name already exists"
	ErrKVNoStore   = "ERR no such store"
	ErrKVPolicy    = "ERR invalid maxmemory policy: use noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random or volatile-ttl"
	ErrKVMaxmemory = "ERR invalid maxmemory: use a size such as 0, 1048576, 64mb or 1gb"
	ErrKVGrace     = "ERR invalid grace: use a number of seconds from 0 to 2592000"
)

// Errors of DUMP and RESTORE.
const (
	ErrDumpPayload     = "ERR DUMP payload version or checksum are wrong"
	ErrBadDataFormat   = "ERR Bad data format"
	ErrBusyKey         = "BUSYKEY Target key name already exists."
	ErrRestoreTTL      = "ERR Invalid TTL value, must be >= 0"
	ErrRestoreIdletime = "ERR Invalid IDLETIME value, must be >= 0"
	ErrRestoreFreq     = "ERR Invalid FREQ value, must be >= 0 and <= 255"
)

// Errors of CLIENT TRACKING and CLIENT CACHING (client-side caching).
const (
	ErrTrackingRedirectTwice   = "ERR A client can only redirect to a single other client"
	ErrTrackingRedirectMissing = "ERR The client ID you want redirect to does not exist"
	ErrTrackingPrefixNoBcast   = "ERR PREFIX option requires BCAST mode to be enabled"
	ErrTrackingSwitchBcast     = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	ErrTrackingOptBcast        = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	ErrTrackingOptInOut        = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	ErrTrackingSwitchOpt       = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	ErrCachingNotTracking      = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	ErrCachingYes              = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	ErrCachingNo               = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
)

// ErrTrackingPrefixExisting is CLIENT TRACKING's error for a prefix
// overlapping one the client already has. Valkey prints the prefixes as C
// strings (up to a NUL byte) in an error line (CR and LF become spaces).
func ErrTrackingPrefixExisting(p, old string) string {
	return "ERR Prefix '" + errCString(p) + "' overlaps with an existing prefix '" + errCString(old) +
		"'. Prefixes for a single client must not overlap."
}

// ErrTrackingPrefixOther is CLIENT TRACKING's error for two given
// prefixes that overlap.
func ErrTrackingPrefixOther(p, q string) string {
	return "ERR Prefix '" + errCString(p) + "' overlaps with another provided prefix '" + errCString(q) +
		"'. Prefixes for a single client must not overlap."
}

// errCString is s as a %s of Valkey's addReplyErrorFormat shows it: cut
// at the first NUL byte, CR and LF replaced by spaces.
func errCString(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && s[i] != 0; i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return string(b)
}
