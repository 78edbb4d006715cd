// Package snapshot keeps a node's data on disk: point-in-time snapshots of
// every namespace and database, and the node's metadata (store records),
// in one Pebble database. It provides SAVE, BGSAVE and LASTSAVE, the save
// policy of Valkey's save parameter, and the startup load.
//
// # Directory
//
// Open(dir) uses three entries of dir (Valkey's dir):
//
//	dir/flect.lock    held with flock while a Store is open: a second node
//	                  (or a second Store in the process) gets ErrLocked
//	dir/flect.pebble  the Pebble database
//	dir/flect.tmp     sstables of snapshots being written; emptied at Open
//
// # Pebble keys
//
//	current                        8 bytes: the current generation G, big-endian
//	meta/<name>                    a metadata record (PutMeta); written with sync
//	snap/<G:8 BE> 'd' <seq:8 BE>   chunk seq (0, 1, ...) of generation G
//	snap/<G:8 BE> 'm'              generation G's manifest
//
// Each snapshot is a new generation, numbered upwards. Its chunks and
// manifest are written, in key order, into one sstable under dir/flect.tmp,
// which is fsynced and ingested into Pebble (atomically, without going
// through the WAL or the memtable, so the data is written once). Only then
// is current set to G with a synced write: a crash at any moment before
// leaves the previous generation current. Older generations are then
// excised (their sstables leave the LSM and the disk at once); Open
// removes every generation other than the current one (older ones whose
// deletion was lost, newer ones that never became current) and the
// leftovers in flect.tmp.
//
// # Chunks
//
// A generation's data is a stream of records cut into chunks of at most
// 1 MiB:
//
//	kind     1 byte: 0 whole records; 1, 2, 3 first, middle, last piece of
//	         one record larger than a chunk
//	count    4 bytes little-endian: the number of records (0 for pieces)
//	payload  records (or the piece)
//	crc      4 bytes little-endian: CRC-32C (Castagnoli) of G and seq
//	         (8 bytes big-endian each) followed by kind, count and payload
//
// Including G and seq in the checksum makes a chunk stored under another
// key fail verification.
//
// # Records
//
//	flags    1 byte: bit 0 a deadline follows the key, bit 1 a namespace
//	         follows the flags; other bits must be 0
//	ns       uvarint length + bytes, when bit 1 (absent: the default
//	         namespace; a store's records carry its name)
//	db       uvarint
//	key      uvarint length + bytes
//	expire   8 bytes little-endian, when bit 0: the absolute deadline in
//	         unix milliseconds (never 0)
//	value    uvarint length + bytes: the RDB type byte and object, exactly
//	         as in a DUMP payload without its footer (persistence/rdb),
//	         including Valkey 9's RDB_TYPE_HASH_2 for field deadlines
//
// Values are stored without LZF string compression, and Pebble compresses
// the sstable blocks with its fastest codec (MinLZ; Snappy on arm64),
// which skips blocks that do not shrink. Measured with
// TestCompressionChoice (200k keys of 300-byte values, best of 5, on a
// loaded 2-CPU machine): for compressible values MinLZ alone saved and
// loaded as fast as no compression (316 ms / 180 ms against 473 / 211) in
// 3.3 MB instead of 92 MB, while LZF added about a third to the load time
// (decompressing every value); for random values every variant wrote
// 63.5 MB and LZF doubled the save time.
//
// # Manifest
//
//	magic       "FLECTSNP"
//	version     4 bytes LE (FormatVersion, 1)
//	generation  8 bytes LE
//	time        8 bytes LE: the snapshot's point in time, unix ms
//	keys        8 bytes LE: the number of records
//	chunks      8 bytes LE
//	bytes       8 bytes LE: the chunks' total size
//	chunks_crc  4 bytes LE: CRC-32C of every chunk's crc (4 bytes LE) in order
//	creator     uvarint length + bytes (at most 256)
//	dbs         uvarint count, then per database holding keys, in
//	            namespace and database order: namespace (uvarint length +
//	            bytes), database (uvarint), keys (uvarint)
//	crc         4 bytes LE: CRC-32C of everything before
//
// Load verifies the manifest, every chunk's checksum, that the chunks are
// numbered 0 to chunks-1 without a gap, the chunks_crc and the record
// counts, and reports any mismatch as an error wrapping ErrCorrupt that
// names the generation and chunk. The golden files in testdata pin these
// bytes: a change to the encoding must bump FormatVersion and keep
// reading version 1.
//
// # Concurrency
//
// A Writer's Add is called by the engine's snapshot walker and by writers
// preserving keys they are about to change, under the key's shard lock:
// it serializes the value into a per-call buffer, then appends it to the
// current chunk under a short lock. Full chunks go through a bounded queue
// to one goroutine that checksums them and writes the sstable. Load reads
// chunks in order in one goroutine and decodes them in several, each
// storing keys with Namespace.LoadKey.
package snapshot
