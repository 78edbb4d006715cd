package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/persistence/rdb"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// `flect kv import` and `flect kv export`: RDB files in and out of a store
// (or the default namespace), through RESTORE and DUMP on a connection
// authenticated as the store.

// Pipelined batches are cut at this many keys or bytes.
const (
	batchKeys  = 1000
	batchBytes = 8 << 20
)

// dataConn opens a connection to the node authenticated as store (the
// admin connection's credentials for the default namespace, store == "").
// The caller closes the client.
func (o *kvOptions) dataConn(ctx context.Context, c *nodeClient, store string) (*redis.Client, error) {
	opts := *c.rdb.Options()
	if store != "" {
		raw, err := c.text(ctx, "URL", store)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(raw)
		if err != nil || u.User == nil {
			return nil, fmt.Errorf("store %s: the node gave an unusable URL", store)
		}
		// The node's advertised host may not be how this machine reaches
		// it: keep the admin connection's address.
		opts.Username = u.User.Username()
		opts.Password, _ = u.User.Password()
	}
	opts.ReadTimeout = 2 * time.Minute
	opts.WriteTimeout = 2 * time.Minute
	opts.DB = 0
	opts.PoolSize = importWorkers + 1
	return redis.NewClient(&opts), nil
}

// target names where data goes or comes from in messages.
func target(store string) string {
	if store == "" {
		return "the default namespace"
	}
	return "store " + store
}

// importStats is `flect kv import`'s summary.
type importStats struct {
	File       string         `json:"file"`
	Store      string         `json:"store,omitempty"`
	RDBVersion int            `json:"rdb_version"`
	Bytes      int64          `json:"bytes"`
	Keys       int64          `json:"keys"`
	Databases  map[string]int `json:"databases"`
	Expired    int64          `json:"expired_skipped"`
	Empty      int            `json:"empty_skipped"`
	Functions  int            `json:"functions_skipped"`
	Seconds    float64        `json:"seconds"`
}

// pending is a queued command's key, for error messages.
type pending struct {
	db     int
	key    string // "" for SELECT
	offset int64
}

func newKVImportCmd(o *kvOptions) *cobra.Command {
	var flush bool
	cmd := &cobra.Command{
		Use:   "import [<store>] <file.rdb>",
		Short: "Load an RDB file (from Valkey, Redis or flect kv export) into a store",
		Long: "Load the keys of an RDB file, as Valkey 7-9 and Redis 2-7.2 save them (dump.rdb),\n" +
			"into a store, or into the default namespace when no store is named. The file is read\n" +
			"here and its keys sent with RESTORE ... ABSTTL REPLACE: keys of the same name are\n" +
			"replaced, keys already expired are skipped, other keys of the store are kept unless\n" +
			"--flush is given. Function libraries are skipped; module data is refused.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, file := "", args[0]
			if len(args) == 2 {
				store, file = args[0], args[1]
			}
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			r, err := rdb.NewFileReader(f, st.Size())
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				dc, err := o.dataConn(ctx, c, store)
				if err != nil {
					return err
				}
				defer dc.Close()
				s, err := runImport(ctx, cmd, dc, r, flush, st.Size())
				if err != nil {
					return fmt.Errorf("import %s into %s: %w", file, target(store), err)
				}
				s.File, s.Store = file, store
				return printImport(cmd, o.json, s)
			})
		},
	}
	cmd.Flags().BoolVar(&flush, "flush", false, "delete every key of the store (FLUSHALL) before loading")
	return cmd
}

// importWorkers is the number of connections RESTOREs are sent on, so
// that the file is read and batches answered while others are sent.
const importWorkers = 4

// batch is a pipeline of SELECT and RESTORE commands.
type batch struct {
	args  [][]any
	meta  []pending
	keys  int64
	bytes int
}

// add queues a command.
func (b *batch) add(p pending, size int, args ...any) {
	b.args = append(b.args, args)
	b.meta = append(b.meta, p)
	b.bytes += size
	if p.key != "" {
		b.keys++
	}
}

// exec sends the batch on conn and checks every reply.
func (b *batch) exec(ctx context.Context, conn *redis.Conn) error {
	pipe := conn.Pipeline()
	for _, a := range b.args {
		pipe.Do(ctx, a...)
	}
	cmds, _ := pipe.Exec(ctx)
	if len(cmds) != len(b.args) {
		return errors.New("the pipeline lost commands")
	}
	for i, c := range cmds {
		if err := c.Err(); err != nil {
			p := b.meta[i]
			if p.key == "" {
				return fmt.Errorf("SELECT %d: %w", p.db, err)
			}
			return fmt.Errorf("key %q (DB %d, file offset %d): RESTORE: %w", p.key, p.db, p.offset, err)
		}
	}
	return nil
}

// runImport restores the file's keys, in batches sent over importWorkers
// connections.
func runImport(ctx context.Context, cmd *cobra.Command, dc *redis.Client, r *rdb.FileReader, flush bool, size int64) (*importStats, error) {
	s := &importStats{RDBVersion: r.Version(), Bytes: size, Databases: map[string]int{}}
	start := time.Now()
	if flush {
		if err := dc.FlushAll(ctx).Err(); err != nil {
			return nil, fmt.Errorf("FLUSHALL: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, importWorkers)
	errc := make(chan error, importWorkers)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range importWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := dc.Conn()
			defer conn.Close()
			for b := range batches {
				if err := b.exec(ctx, conn); err != nil {
					errc <- err
					cancel()
					return
				}
				done.Add(b.keys)
			}
		}()
	}
	prog := newProgress(cmd.ErrOrStderr(), "imported", size)
	err := readBatches(ctx, r, s, batches, func() { prog.update(done.Load(), r.Offset()) })
	close(batches)
	wg.Wait()
	select {
	case werr := <-errc:
		return nil, werr
	default:
	}
	if err != nil {
		return nil, err
	}
	st := r.Stats()
	s.Empty, s.Functions = st.EmptyKeys, st.Functions
	s.Seconds = time.Since(start).Seconds()
	if s.Functions > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: skipped %d function libraries: flect has no FUNCTION LOAD\n", s.Functions)
	}
	return s, nil
}

// readBatches reads the file into batches of RESTOREs, each starting with
// the SELECT of its first key's database; tick runs after each batch.
func readBatches(ctx context.Context, r *rdb.FileReader, s *importStats, out chan<- *batch, tick func()) error {
	var b *batch
	db := -1
	send := func() error {
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b, db = nil, -1
		tick()
		return nil
	}
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if e.ExpireAt >= 0 && e.ExpireAt <= time.Now().UnixMilli() {
			s.Expired++
			continue
		}
		if b == nil {
			b = &batch{}
		}
		if e.DB != db {
			b.add(pending{db: e.DB}, 0, "SELECT", e.DB)
			db = e.DB
		}
		payload := e.Payload(nil)
		args := []any{"RESTORE", string(e.Key), max(e.ExpireAt, 0), payload, "ABSTTL", "REPLACE"}
		switch {
		case e.Idle >= 0:
			args = append(args, "IDLETIME", e.Idle)
		case e.Freq >= 0:
			args = append(args, "FREQ", e.Freq)
		}
		b.add(pending{db: e.DB, key: string(e.Key), offset: e.Offset}, len(payload)+len(e.Key), args...)
		s.Keys++
		s.Databases["db"+strconv.Itoa(e.DB)]++
		if b.keys >= batchKeys || b.bytes >= batchBytes {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if b != nil {
		return send()
	}
	return nil
}

// printImport prints the import's summary.
func printImport(cmd *cobra.Command, asJSON bool, s *importStats) error {
	if asJSON {
		return printJSON(cmd.OutOrStdout(), s)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "imported %d keys into %s from %s (RDB version %d, %s) in %.1fs\n",
		s.Keys, target(s.Store), s.File, s.RDBVersion, humanBytes(s.Bytes), s.Seconds)
	printDatabases(w, s.Databases)
	if s.Expired > 0 || s.Empty > 0 || s.Functions > 0 {
		fmt.Fprintf(w, "skipped: %d expired keys, %d empty keys, %d function libraries\n", s.Expired, s.Empty, s.Functions)
	}
	return nil
}

// printDatabases prints per-database key counts in database order.
func printDatabases(w io.Writer, dbs map[string]int) {
	names := make([]string, 0, len(dbs))
	for k := range dbs {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, _ := strconv.Atoi(names[i][2:])
		b, _ := strconv.Atoi(names[j][2:])
		return a < b
	})
	for _, k := range names {
		fmt.Fprintf(w, "  %s: %d keys\n", k, dbs[k])
	}
}

// progress prints a line on stderr at most once a second while a long
// import or export runs.
type progress struct {
	w     io.Writer
	verb  string
	total int64 // bytes (import) or keys (export); 0 when unknown
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, verb string, total int64) *progress {
	now := time.Now()
	return &progress{w: w, verb: verb, total: total, start: now, last: now}
}

// update reports keys done and done out of total (bytes of the file for
// an import, keys for an export).
func (p *progress) update(keys, done int64) {
	now := time.Now()
	if now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	secs := now.Sub(p.start).Seconds()
	rate := float64(keys) / secs
	line := fmt.Sprintf("%s %d keys", p.verb, keys)
	if p.verb == "imported" {
		line += fmt.Sprintf(", %.1f MB", float64(done)/(1<<20))
	}
	if p.total > 0 {
		pct := min(100*float64(done)/float64(p.total), 100)
		line += fmt.Sprintf(" (%.0f%%)", pct)
		if done > 0 && done < p.total {
			eta := time.Duration(secs * float64(p.total-done) / float64(done) * float64(time.Second))
			line += fmt.Sprintf(", %s left", eta.Round(time.Second))
		}
	}
	fmt.Fprintf(p.w, "%s, %.0f keys/s\n", line, rate)
}
