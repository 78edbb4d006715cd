package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// `flect kv`: the administration of a node's stores over RESP, with the
// node's FLECT.KV command.

// defaultNode is the node `flect kv` talks to without --node or FLECT_NODE.
const defaultNode = "redis://127.0.0.1:6379"

// kvOptions are the flags every `flect kv` command shares.
type kvOptions struct {
	node     string
	password string
	json     bool
	// getenv reads the environment (os.Getenv outside tests).
	getenv func(string) string
}

// NewKVCmd returns `flect kv` and its subcommands; getenv reads
// FLECT_NODE and FLECT_ADMIN_PASSWORD.
func NewKVCmd(getenv func(string) string) *cobra.Command {
	o := &kvOptions{getenv: getenv}
	cmd := &cobra.Command{
		Use:   "kv",
		Short: "Create and manage a node's KV stores",
		Long: "Create and manage the isolated KV stores of a flect node. Each store has its own\n" +
			"16 databases, its own pub/sub and a secret; clients connect with its redis:// URL.",
		Args: cobra.NoArgs,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.node, "node", "", "the node's URL, with the admin password if it has one (default $FLECT_NODE or "+defaultNode+")")
	f.StringVar(&o.password, "password", "", "the node's admin password (requirepass; default from --node or $FLECT_ADMIN_PASSWORD)")
	f.BoolVar(&o.json, "json", false, "print JSON")
	cmd.AddCommand(newKVCreateCmd(o), newKVListCmd(o), newKVInfoCmd(o), newKVURLCmd(o),
		newKVEnvCmd(o), newKVRotateCmd(o), newKVFlushCmd(o), newKVDeleteCmd(o))
	cmd.AddCommand(newKVImportCmd(o), newKVExportCmd(o))
	return cmd
}

// nodeClient is a connection to the node's admin commands.
type nodeClient struct {
	rdb           *redis.Client
	network, addr string
}

// dial opens the admin connection.
func (o *kvOptions) dial() (*nodeClient, error) {
	raw := o.node
	if raw == "" {
		raw = o.getenv("FLECT_NODE")
	}
	if raw == "" {
		raw = defaultNode
	}
	if !strings.Contains(raw, "://") {
		raw = "redis://" + raw
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid node URL %q: %v", redactURL(raw), err)
	}
	switch {
	case o.password != "":
		opts.Password = o.password
	case opts.Password == "":
		opts.Password = o.getenv("FLECT_ADMIN_PASSWORD")
	}
	opts.Protocol = 2
	opts.DisableIdentity = true
	opts.MaxRetries = -1
	opts.DialTimeout = 3 * time.Second
	opts.DialerRetries = 1
	opts.ReadTimeout = 10 * time.Second
	opts.PoolSize = 1
	return &nodeClient{rdb: redis.NewClient(opts), network: opts.Network, addr: opts.Addr}, nil
}

// noNodeError is the error when nothing answers at addr.
func noNodeError(addr string) error {
	return fmt.Errorf("no flect node at %s (start one with: flect server)", addr)
}

// redactURL hides a URL's password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable>"
	}
	return u.Redacted()
}

func (c *nodeClient) close() { c.rdb.Close() }

// errNoStore is the node's answer for a store that does not exist.
var errNoStore = errors.New("no such store")

// do runs FLECT.KV <args...>. The node's errors come back without their
// ERR code, prefixed with the store they are about (the second argument).
func (c *nodeClient) do(ctx context.Context, args ...any) (any, error) {
	v, err := c.rdb.Do(ctx, append([]any{"FLECT.KV"}, args...)...).Result()
	if err == nil {
		return v, nil
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return nil, noNodeError(c.addr)
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "NOAUTH"), strings.HasPrefix(msg, "WRONGPASS"), strings.HasPrefix(msg, "ERR AUTH"):
		return nil, fmt.Errorf("the node at %s refused the admin credential: give its requirepass with --password or FLECT_ADMIN_PASSWORD (%s)", c.addr, msg)
	case strings.HasPrefix(msg, "ERR unknown command"):
		return nil, fmt.Errorf("the server at %s is not a flect node (%s)", c.addr, msg)
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return nil, err // the connection's error
	}
	err = errors.New(strings.TrimPrefix(msg, "ERR "))
	if msg == "ERR "+errNoStore.Error() {
		err = errNoStore
	}
	if len(args) > 1 {
		return nil, fmt.Errorf("store %v: %w", args[1], err)
	}
	return nil, err
}

// text runs FLECT.KV and expects a string.
func (c *nodeClient) text(ctx context.Context, args ...any) (string, error) {
	v, err := c.do(ctx, args...)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("unexpected reply %v", v)
	}
	return s, nil
}

// fields reads a flat RESP2 map reply into key/value pairs, in order.
type field struct {
	key string
	val any
}

func pairs(v any) ([]field, error) {
	arr, ok := v.([]any)
	if !ok || len(arr)%2 != 0 {
		return nil, fmt.Errorf("unexpected reply %v", v)
	}
	out := make([]field, 0, len(arr)/2)
	for i := 0; i < len(arr); i += 2 {
		k, _ := arr[i].(string)
		out = append(out, field{k, arr[i+1]})
	}
	return out, nil
}

// withClient runs fn with a connection to the node.
func (o *kvOptions) withClient(cmd *cobra.Command, fn func(ctx context.Context, c *nodeClient) error) error {
	c, err := o.dial()
	if err != nil {
		return err
	}
	defer c.close()
	// Probe the address first: the client library would log its failed
	// dials before returning the error.
	network := c.network
	if network == "" {
		network = "tcp"
	}
	probe, err := net.DialTimeout(network, c.addr, 3*time.Second)
	if err != nil {
		return noNodeError(c.addr)
	}
	probe.Close()
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return fn(ctx, c)
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newKVCreateCmd(o *kvOptions) *cobra.Command {
	var maxMemory, policy string
	cmd := &cobra.Command{
		Use:   "create <name>",
		Short: "Create a store and print its redis:// URL",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				req := []any{"CREATE", args[0]}
				if maxMemory != "" {
					req = append(req, "MAXMEMORY", maxMemory)
				}
				if policy != "" {
					req = append(req, "POLICY", policy)
				}
				u, err := c.text(ctx, req...)
				if err != nil {
					return err
				}
				if o.json {
					return printJSON(cmd.OutOrStdout(), map[string]string{"name": args[0], "url": u})
				}
				fmt.Fprintln(cmd.OutOrStdout(), u)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&maxMemory, "maxmemory", "", "memory quota, e.g. 64mb: over it the store evicts its own keys by its policy, or refuses writes under noeviction")
	cmd.Flags().StringVar(&policy, "policy", "", "eviction policy, e.g. allkeys-lru (default noeviction)")
	return cmd
}

// storeRow is one store as `flect kv list` shows it.
type storeRow struct {
	Name      string `json:"name"`
	Keys      int64  `json:"keys"`
	Memory    int64  `json:"memory"`
	MaxMemory int64  `json:"maxmemory"`
	Policy    string `json:"policy"`
	Clients   int64  `json:"clients"`
	Created   int64  `json:"created"`
}

func newKVListCmd(o *kvOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the stores",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				v, err := c.do(ctx, "LIST")
				if err != nil {
					return err
				}
				arr, _ := v.([]any)
				rows := make([]storeRow, 0, len(arr))
				for _, item := range arr {
					fs, err := pairs(item)
					if err != nil {
						return err
					}
					var r storeRow
					for _, f := range fs {
						switch f.key {
						case "name":
							r.Name, _ = f.val.(string)
						case "keys":
							r.Keys, _ = f.val.(int64)
						case "memory":
							r.Memory, _ = f.val.(int64)
						case "maxmemory":
							r.MaxMemory, _ = f.val.(int64)
						case "policy":
							r.Policy, _ = f.val.(string)
						case "clients":
							r.Clients, _ = f.val.(int64)
						case "created":
							r.Created, _ = f.val.(int64)
						}
					}
					rows = append(rows, r)
				}
				if o.json {
					return printJSON(cmd.OutOrStdout(), rows)
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tKEYS\tMEMORY\tQUOTA\tPOLICY\tCLIENTS\tCREATED")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\n", r.Name, r.Keys, humanBytes(r.Memory), quotaText(r.MaxMemory),
						r.Policy, r.Clients, time.Unix(r.Created, 0).UTC().Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
}

// humanBytes prints a byte count as Valkey's used_memory_human does
// (1.50M).
func humanBytes(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return fmt.Sprintf("%dB", n)
	}
	v, u := float64(n)/1024, 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return fmt.Sprintf("%.2f%c", v, units[u])
}

// quotaText prints a byte count as Valkey prints memory (64mb), "-" for
// none.
func quotaText(n int64) string {
	switch {
	case n == 0:
		return "-"
	case n%(1<<30) == 0:
		return fmt.Sprintf("%dgb", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dmb", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dkb", n>>10)
	}
	return fmt.Sprintf("%db", n)
}

func newKVInfoCmd(o *kvOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "info <name>",
		Short: "Show a store's settings and figures",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				v, err := c.do(ctx, "INFO", args[0])
				if err != nil {
					return err
				}
				fs, err := pairs(v)
				if err != nil {
					return err
				}
				if o.json {
					m := map[string]any{}
					for _, f := range fs {
						m[f.key] = f.val
						if f.key == "databases" {
							m[f.key] = databasesJSON(f.val)
						}
					}
					return printJSON(cmd.OutOrStdout(), m)
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				for _, f := range fs {
					val := fmt.Sprint(f.val)
					switch f.key {
					case "created", "rotated", "grace_until":
						if n, _ := f.val.(int64); n != 0 {
							val = time.Unix(n, 0).UTC().Format(time.RFC3339)
						} else {
							val = "-"
						}
					case "maxmemory":
						n, _ := f.val.(int64)
						val = quotaText(n)
					case "memory":
						n, _ := f.val.(int64)
						val = humanBytes(n)
					}
					if list, ok := f.val.([]any); ok {
						parts := make([]string, len(list))
						for i, x := range list {
							parts[i] = fmt.Sprint(x)
						}
						val = strings.Join(parts, " ")
						if val == "" {
							val = "-"
						}
					}
					fmt.Fprintf(tw, "%s:\t%s\n", f.key, val)
				}
				return tw.Flush()
			})
		},
	}
}

// dbFigures are one database's figures in `flect kv info --json`.
type dbFigures struct {
	Keys    int64 `json:"keys"`
	Expires int64 `json:"expires"`
}

// databasesJSON turns FLECT.KV INFO's "db3:keys=1,expires=0" lines into
// {"db3": {"keys": 1, "expires": 0}}; lines it cannot read are left out.
func databasesJSON(v any) map[string]dbFigures {
	out := map[string]dbFigures{}
	list, _ := v.([]any)
	for _, x := range list {
		line, _ := x.(string)
		db, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var f dbFigures
		if _, err := fmt.Sscanf(rest, "keys=%d,expires=%d", &f.Keys, &f.Expires); err != nil {
			continue
		}
		out[db] = f
	}
	return out
}

func newKVURLCmd(o *kvOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "url <name>",
		Short: "Print a store's redis:// URL",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				u, err := c.text(ctx, "URL", args[0])
				if err != nil {
					return err
				}
				if o.json {
					return printJSON(cmd.OutOrStdout(), map[string]string{"name": args[0], "url": u})
				}
				fmt.Fprintln(cmd.OutOrStdout(), u)
				return nil
			})
		},
	}
}

func newKVRotateCmd(o *kvOptions) *cobra.Command {
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "rotate <name>",
		Short: "Give a store a new secret and print its new URL",
		Long: "Give a store a new secret and print its new URL. With --grace the old secret\n" +
			"stays valid for that long (e.g. 10m), so that running clients can be moved over.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if grace < 0 || grace%time.Second != 0 {
				return fmt.Errorf("invalid --grace %v: use whole seconds, e.g. 10m or 90s", grace)
			}
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				u, err := c.text(ctx, "ROTATE", args[0], "GRACE", int64(grace/time.Second))
				if err != nil {
					return err
				}
				if o.json {
					return printJSON(cmd.OutOrStdout(), map[string]string{"name": args[0], "url": u, "grace": grace.String()})
				}
				fmt.Fprintln(cmd.OutOrStdout(), u)
				return nil
			})
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", 0, "how long the old secret stays valid (e.g. 10m)")
	return cmd
}

func newKVFlushCmd(o *kvOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "flush <name>",
		Short: "Delete every key of a store",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				if _, err := c.do(ctx, "FLUSH", args[0]); err != nil {
					return err
				}
				if o.json {
					return printJSON(cmd.OutOrStdout(), map[string]string{"name": args[0], "flushed": "yes"})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "flushed %s\n", args[0])
				return nil
			})
		},
	}
}

func newKVDeleteCmd(o *kvOptions) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete <name>",
		Short: "Delete a store and its data, disconnecting its clients",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return fmt.Errorf("deleting store %s destroys its data and disconnects its clients: run again with --yes", args[0])
			}
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				if _, err := c.do(ctx, "DELETE", args[0]); err != nil {
					return err
				}
				if o.json {
					return printJSON(cmd.OutOrStdout(), map[string]string{"name": args[0], "deleted": "yes"})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deleted %s\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm the deletion")
	return cmd
}
