package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/persistence/rdb"
	"github.com/flect-kv/flect/persistence/snapshot"
	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/tenancy"
	"github.com/spf13/cobra"
)

// serverOptions are `flect server`'s flags, named as Valkey's config
// parameters so that valkey-server habits carry over.
type serverOptions struct {
	bind            string
	port            int
	requirePass     string
	databases       int
	maxClients      int
	timeout         int
	logLevel        string
	protectedMode   yesNo
	protoMaxBulkLen int64
	queryBufLimit   int64
	hugePages       yesNo
	dir             string
	save            string
	saveSet         bool // --save was given
	// maxmemory and maxmemoryPolicy go to the node's configuration.
	maxmemory, maxmemoryPolicy string
}

// yesNo is a pflag.Value for Valkey's yes/no settings.
type yesNo bool

func (v *yesNo) String() string {
	if *v {
		return "yes"
	}
	return "no"
}

func (v *yesNo) Set(s string) error {
	switch strings.ToLower(s) {
	case "yes", "true", "1":
		*v = true
	case "no", "false", "0":
		*v = false
	default:
		return fmt.Errorf("argument must be 'yes' or 'no'")
	}
	return nil
}

func (v *yesNo) Type() string { return "yes|no" }

// NewServerCmd returns `flect server`.
func NewServerCmd(info BuildInfo) *cobra.Command {
	o := &serverOptions{protectedMode: true, hugePages: true, protoMaxBulkLen: 512 << 20, queryBufLimit: 1 << 30}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a flect node",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.saveSet = cmd.Flags().Changed("save")
			return runServer(cmd.Context(), o, info)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.bind, "bind", "127.0.0.1", "address to listen on")
	f.IntVar(&o.port, "port", 6379, "TCP port (0 picks a free port)")
	f.StringVar(&o.requirePass, "requirepass", "", "password of the default user")
	f.IntVar(&o.databases, "databases", 16, "number of databases")
	f.IntVar(&o.maxClients, "maxclients", 10000, "maximum number of connected clients")
	f.IntVar(&o.timeout, "timeout", 0, "close idle clients after this many seconds (0 never)")
	f.StringVar(&o.logLevel, "loglevel", "notice", "debug, verbose, notice or warning")
	f.Var(&o.protectedMode, "protected-mode", "refuse non-loopback clients when no password is set (yes|no)")
	f.Var(sizeValue{&o.protoMaxBulkLen}, "proto-max-bulk-len", "largest bulk argument (512mb)")
	f.Var(sizeValue{&o.queryBufLimit}, "client-query-buffer-limit", "largest pending request of one client (1gb)")
	f.StringVar(&o.dir, "dir", "", "data directory for snapshots and stores (default: none, everything in memory)")
	f.StringVar(&o.save, "save", "3600 1 300 100 60 10000", "snapshot policy with --dir: \"<seconds> <changes> ...\" (\"\" disables)")
	f.Var(&o.hugePages, "hugepages", "ask Linux for transparent huge pages for the heap when THP is in madvise mode (yes|no)")
	f.StringVar(&o.maxmemory, "maxmemory", "0", "memory limit for the data, e.g. 100mb (0: none); past it keys are evicted by --maxmemory-policy")
	f.StringVar(&o.maxmemoryPolicy, "maxmemory-policy", "noeviction", "noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random or volatile-ttl")
	return cmd
}

func logLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "verbose":
		return slog.LevelDebug + 2, nil
	case "notice":
		return slog.LevelInfo, nil
	case "warning":
		return slog.LevelWarn, nil
	case "nothing":
		return slog.LevelError + 4, nil
	}
	return 0, fmt.Errorf("invalid loglevel %q (debug, verbose, notice, warning, nothing)", s)
}

func (o *serverOptions) validate() error {
	if o.port < 0 || o.port > 65535 {
		return fmt.Errorf("invalid port %d", o.port)
	}
	if o.databases < 1 || o.databases > 1<<20 {
		return fmt.Errorf("invalid databases %d", o.databases)
	}
	if o.maxClients < 1 {
		return fmt.Errorf("invalid maxclients %d", o.maxClients)
	}
	if o.timeout < 0 {
		return fmt.Errorf("invalid timeout %d", o.timeout)
	}
	if o.protoMaxBulkLen < 1<<20 {
		return fmt.Errorf("proto-max-bulk-len must be at least 1mb")
	}
	return nil
}

func runServer(ctx context.Context, o *serverOptions, info BuildInfo) error {
	if err := o.validate(); err != nil {
		return err
	}
	lvl, err := logLevel(o.logLevel)
	if err != nil {
		return err
	}
	lv := new(slog.LevelVar)
	lv.Set(lvl)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	node := engine.NewNode(engine.Options{Databases: o.databases, Logger: log})
	rdb.Register(node.Table())
	if o.saveSet {
		if msg := node.Config.Set([]engine.SetRequest{{Name: "save", Value: o.save}}, true); msg != "" {
			return fmt.Errorf("--save: %s", strings.TrimPrefix(msg, "ERR "))
		}
	}
	if msg := node.Config.Set([]engine.SetRequest{{Name: "maxmemory", Value: o.maxmemory},
		{Name: "maxmemory-policy", Value: o.maxmemoryPolicy}}, true); msg != "" {
		return fmt.Errorf("--maxmemory or --maxmemory-policy: %s", strings.TrimPrefix(msg, "ERR "))
	}
	reg := tenancy.New(node, nil)
	var pers *persistence
	if o.dir != "" {
		if pers, err = openPersistence(node, reg, o.dir, info.Version, log); err != nil {
			return err
		}
		defer pers.close()
	} else {
		snapshot.Register(node.Table(), nil)
	}
	pm := bool(o.protectedMode)
	srv := resp.New(node, resp.Options{
		Bind:          o.bind,
		Port:          o.port,
		RequirePass:   o.requirePass,
		MaxClients:    o.maxClients,
		Timeout:       time.Duration(o.timeout) * time.Second,
		ProtectedMode: &pm,
		Limits:        resp.Limits{MaxBulk: o.protoMaxBulkLen, MaxQueryBuffer: o.queryBufLimit},
		Logger:        log,
		LogLevel:      lv,
		Stores:        reg,
	})
	if pers != nil {
		pers.attach(srv)
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go node.Run(ctx)
	if o.hugePages {
		go adviseHugePages(ctx, log)
	}
	log.Info("ready to accept connections", "addr", srv.Addr().String(), "version", info.Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	if pers != nil {
		if err := pers.load(); err != nil {
			log.Error("fatal error loading the snapshot: exiting", "err", err)
			srv.Shutdown(context.Background())
			return fmt.Errorf("loading the snapshot in %s: %w", o.dir, err)
		}
		go pers.saver.Run(ctx)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		// SIGTERM or SIGINT: save as SHUTDOWN without arguments does.
		if pers != nil {
			if err := pers.ShutdownSave(false); err != nil {
				log.Error("error trying to save the snapshot before exiting; the previous snapshot stays", "err", err)
				srv.Shutdown(context.Background())
				return fmt.Errorf("saving before exit: %w", err)
			}
		}
	case <-srv.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	return srv.Shutdown(sctx)
}
