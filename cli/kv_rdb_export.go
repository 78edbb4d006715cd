package cli

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flect-kv/flect/persistence/rdb"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// exportStats is `flect kv export`'s summary.
type exportStats struct {
	File       string         `json:"file"`
	Store      string         `json:"store,omitempty"`
	RDBVersion int            `json:"rdb_version"`
	Bytes      int64          `json:"bytes"`
	Keys       int64          `json:"keys"`
	Databases  map[string]int `json:"databases"`
	// FieldTTLs counts hash fields written without their TTL, in
	// TTLKeys (the first few keys).
	FieldTTLs int64    `json:"field_ttls_dropped"`
	TTLKeys   []string `json:"field_ttl_keys,omitempty"`
	Seconds   float64  `json:"seconds"`
}

// maxTTLKeys bounds the keys named in the field TTL warning.
const maxTTLKeys = 10

func newKVExportCmd(o *kvOptions) *cobra.Command {
	var out, prefix string
	var version int
	cmd := &cobra.Command{
		Use:   "export [<store>] --rdb <file>",
		Short: "Write a store's keys to an RDB file that Valkey and Redis load",
		Long: "Write every key of a store (or of the default namespace when no store is named), in\n" +
			"all its databases with their TTLs, to an RDB file that valkey-server (7.2 and later)\n" +
			"loads, or Redis 7.0 with --rdb-version 10. The keys are read live with SCAN, DUMP and\n" +
			"PEXPIRETIME: keys written during the export may or may not be in the file. The file is\n" +
			"written next to its final name and renamed into place once complete and synced.\n" +
			"RDB files before Valkey 9 cannot hold hash field TTLs: such fields are written without\n" +
			"their TTL (a warning names the keys), and fields already expired are left out.\n" +
			"--prefix writes each key as <prefix>:<key>, for a shared Valkey behind a key-prefixing proxy.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store := ""
			if len(args) == 1 {
				store = args[0]
			}
			if out == "" {
				return errors.New("give the file to write with --rdb <file>")
			}
			if version != rdb.Version && version != rdb.FileVersion10 {
				return fmt.Errorf("invalid --rdb-version %d: use 11 (Valkey 7.2 to 9, Redis 7.2) or 10 (also Redis 7.0)", version)
			}
			if cmd.Flags().Changed("prefix") && prefix == "" {
				return errors.New("--prefix must not be empty")
			}
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				dc, err := o.dataConn(ctx, c, store)
				if err != nil {
					return err
				}
				defer dc.Close()
				s, err := runExport(ctx, cmd, dc, out, prefix, version)
				if err != nil {
					return fmt.Errorf("export %s to %s: %w", target(store), out, err)
				}
				s.Store = store
				return printExport(cmd, o.json, s)
			})
		},
	}
	cmd.Flags().StringVar(&out, "rdb", "", "the RDB file to write")
	cmd.Flags().StringVar(&prefix, "prefix", "", "write each key as <prefix>:<key>")
	cmd.Flags().IntVar(&version, "rdb-version", rdb.Version, "RDB format version: 11, or 10 for Redis 7.0")
	return cmd
}

// runExport writes the keys to a temporary file beside out and renames it
// into place.
func runExport(ctx context.Context, cmd *cobra.Command, dc *redis.Client, out, prefix string, version int) (*exportStats, error) {
	conn := dc.Conn()
	defer conn.Close()
	start := time.Now()
	s := &exportStats{File: out, RDBVersion: version, Databases: map[string]int{}}
	dbs := 16
	if v, err := conn.ConfigGet(ctx, "databases").Result(); err == nil {
		if n, err := strconv.Atoi(v["databases"]); err == nil && n > 0 {
			dbs = n
		}
	}
	keyspace := parseKeyspace(conn.Info(ctx, "keyspace").Val())
	var usedMem int64
	if info := conn.Info(ctx, "memory").Val(); info != "" {
		usedMem, _ = strconv.ParseInt(infoField(info, "used_memory"), 10, 64)
	}
	var total int64
	for _, k := range keyspace {
		total += int64(k[0])
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// Readable as Valkey's own dump.rdb is, e.g. by a valkey-server
	// running as another user.
	if err := tmp.Chmod(0o644); err != nil {
		return nil, err
	}
	w, err := rdb.NewFileWriter(tmp, rdb.WriterOptions{Version: version, UsedMemory: usedMem})
	if err != nil {
		return nil, err
	}
	prog := newProgress(cmd.ErrOrStderr(), "exported", total)
	for db := range dbs {
		if err := exportDB(ctx, conn, w, s, db, keyspace[db], prefix, prog); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	st, err := tmp.Stat()
	if err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, err
	}
	tmp = nil
	if d, err := os.Open(filepath.Dir(out)); err == nil {
		d.Sync()
		d.Close()
	}
	ws := w.Stats()
	s.Bytes, s.FieldTTLs = st.Size(), ws.FieldTTLs
	s.Seconds = time.Since(start).Seconds()
	if s.FieldTTLs > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %d hash fields were written without their TTL (RDB version %d has no field TTLs), in keys %s; "+
			"set them again with HPEXPIREAT after loading\n", s.FieldTTLs, version, strings.Join(s.TTLKeys, ", "))
	}
	if ws.ExpiredFields > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: %d expired hash fields were left out (%d hashes with no field left)\n", ws.ExpiredFields, ws.ExpiredKeys)
	}
	return s, nil
}

// exportDB writes database db's keys; hint is its key and expire counts
// from INFO keyspace.
func exportDB(ctx context.Context, conn *redis.Conn, w *rdb.FileWriter, s *exportStats, db int, hint [2]int, prefix string, prog *progress) error {
	if err := conn.Select(ctx, db).Err(); err != nil {
		return fmt.Errorf("SELECT %d: %w", db, err)
	}
	if n, err := conn.DBSize(ctx).Result(); err != nil || n == 0 {
		return err
	}
	if err := w.SelectDB(db, uint64(hint[0]), uint64(hint[1])); err != nil {
		return err
	}
	// SCAN may return a key twice: remember the keys written by a 128-bit
	// hash.
	seeds := [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	seen := map[[2]uint64]struct{}{}
	var cursor uint64
	var name []byte
	for {
		keys, next, err := conn.Scan(ctx, cursor, "*", 1000).Result()
		if err != nil {
			return fmt.Errorf("SCAN in DB %d: %w", db, err)
		}
		fresh := keys[:0]
		for _, k := range keys {
			h := [2]uint64{maphash.String(seeds[0], k), maphash.String(seeds[1], k)}
			if _, dup := seen[h]; !dup {
				seen[h] = struct{}{}
				fresh = append(fresh, k)
			}
		}
		pipe := conn.Pipeline()
		dumps := make([]*redis.StringCmd, len(fresh))
		ats := make([]*redis.Cmd, len(fresh))
		for i, k := range fresh {
			dumps[i] = pipe.Dump(ctx, k)
			ats[i] = pipe.Do(ctx, "PEXPIRETIME", k)
		}
		if len(fresh) > 0 {
			pipe.Exec(ctx)
		}
		for i, k := range fresh {
			payload, err := dumps[i].Result()
			if errors.Is(err, redis.Nil) {
				continue // deleted since SCAN
			}
			if err != nil {
				return fmt.Errorf("DUMP %q in DB %d: %w", k, db, err)
			}
			at, err := ats[i].Int64()
			if err != nil {
				return fmt.Errorf("PEXPIRETIME %q in DB %d: %w", k, db, err)
			}
			if at == -2 {
				continue // expired or deleted since DUMP
			}
			value, ok := rdb.VerifyPayload([]byte(payload))
			if !ok {
				return fmt.Errorf("DUMP %q in DB %d: the payload's footer is wrong", k, db)
			}
			name = append(name[:0], prefix...)
			if prefix != "" {
				name = append(name, ':')
			}
			name = append(name, k...)
			res, err := w.Write(name, value, max(at, -1))
			if err != nil {
				return err
			}
			if res.Skipped {
				continue
			}
			if res.FieldTTLs > 0 && len(s.TTLKeys) < maxTTLKeys {
				s.TTLKeys = append(s.TTLKeys, strconv.Quote(k))
			}
			s.Keys++
			s.Databases["db"+strconv.Itoa(db)]++
		}
		prog.update(s.Keys, s.Keys)
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// parseKeyspace reads INFO keyspace's "db3:keys=1,expires=0,..." lines
// into key and expire counts by database.
func parseKeyspace(info string) map[int][2]int {
	out := map[int][2]int{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "db") {
			continue
		}
		db, err := strconv.Atoi(name[2:])
		if err != nil {
			continue
		}
		var c [2]int
		if _, err := fmt.Sscanf(rest, "keys=%d,expires=%d", &c[0], &c[1]); err == nil {
			out[db] = c
		}
	}
	return out
}

// infoField returns an INFO field's value.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// printExport prints the export's summary.
func printExport(cmd *cobra.Command, asJSON bool, s *exportStats) error {
	if asJSON {
		return printJSON(cmd.OutOrStdout(), s)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "exported %d keys from %s to %s (RDB version %d, %s) in %.1fs\n",
		s.Keys, target(s.Store), s.File, s.RDBVersion, humanBytes(s.Bytes), s.Seconds)
	printDatabases(w, s.Databases)
	return nil
}
