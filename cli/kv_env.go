package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/flect-kv/flect/tenancy"
	"github.com/spf13/cobra"
)

// projectFile is a project's flect.toml: the stores it binds.
type projectFile struct {
	KV []kvBinding `toml:"kv"`
}

// kvBinding is one [[kv]] table: the environment name prefix and the
// store.
type kvBinding struct {
	Binding string `toml:"binding"`
	Name    string `toml:"name"`
}

// validBinding reports whether b can prefix an environment variable name.
func validBinding(b string) bool {
	if b == "" || b[0] >= '0' && b[0] <= '9' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// readProject reads and checks a flect.toml.
func readProject(path string) (*projectFile, error) {
	var p projectFile
	md, err := toml.DecodeFile(path, &p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no %s here: add one with a [[kv]] table (binding = \"CACHE\", name = \"my-cache\")", path)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown keys %s", path, strings.Join(keys, ", "))
	}
	if len(p.KV) == 0 {
		return nil, fmt.Errorf("%s has no [[kv]] table: add one (binding = \"CACHE\", name = \"my-cache\")", path)
	}
	seen := map[string]bool{}
	for i, b := range p.KV {
		if !validBinding(b.Binding) {
			return nil, fmt.Errorf("%s: [[kv]] #%d: binding %q must be letters, digits and underscores", path, i+1, b.Binding)
		}
		if b.Name == "" {
			return nil, fmt.Errorf("%s: [[kv]] #%d (%s) has no name", path, i+1, b.Binding)
		}
		if !tenancy.ValidName(b.Name) {
			return nil, fmt.Errorf("%s: [[kv]] #%d (%s): %q is not a store name (lower-case letters, digits and '-', up to 63, not \"default\")", path, i+1, b.Binding, b.Name)
		}
		if seen[b.Binding] {
			return nil, fmt.Errorf("%s: binding %s appears twice", path, b.Binding)
		}
		seen[b.Binding] = true
	}
	return &p, nil
}

func newKVEnvCmd(o *kvOptions) *cobra.Command {
	var file string
	var create, export bool
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print BINDING_URL=... lines for the stores of flect.toml",
		Long: "Print one BINDING_URL=redis://... line for each [[kv]] table of flect.toml\n" +
			"(binding = \"CACHE\", name = \"my-cache\" gives CACHE_URL). With --create, stores\n" +
			"that do not exist yet are created; with --export, lines are shell export commands.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := readProject(file)
			if err != nil {
				return err
			}
			return o.withClient(cmd, func(ctx context.Context, c *nodeClient) error {
				out := map[string]string{}
				var lines []string
				for _, b := range p.KV {
					u, err := c.text(ctx, "URL", b.Name)
					if err != nil && create && errors.Is(err, errNoStore) {
						u, err = c.text(ctx, "CREATE", b.Name)
					}
					if err != nil {
						if errors.Is(err, errNoStore) {
							return fmt.Errorf("store %s (binding %s) does not exist: create it with `flect kv create %s` or run `flect kv env --create`", b.Name, b.Binding, b.Name)
						}
						return fmt.Errorf("store %s (binding %s): %w", b.Name, b.Binding, err)
					}
					key := b.Binding + "_URL"
					out[key] = u
					if export {
						lines = append(lines, "export "+key+"='"+u+"'")
					} else {
						lines = append(lines, key+"="+u)
					}
				}
				if o.json {
					return printJSON(cmd.OutOrStdout(), out)
				}
				for _, l := range lines {
					fmt.Fprintln(cmd.OutOrStdout(), l)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&file, "file", "flect.toml", "the project file")
	cmd.Flags().BoolVar(&create, "create", false, "create the stores that do not exist")
	cmd.Flags().BoolVar(&export, "export", false, "print shell export lines")
	return cmd
}
