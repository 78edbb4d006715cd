// Package cli holds flect's cobra commands: `flect server`, `flect
// version`, and (later) `flect kv`. Commands are built by constructors that
// take their dependencies; nothing lives in package globals.
package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// BuildInfo describes the binary, set from -ldflags at build time.
type BuildInfo struct {
	Version, Commit, Date string
}

// NewRootCmd returns the `flect` command with its subcommands.
func NewRootCmd(info BuildInfo) *cobra.Command {
	root := &cobra.Command{
		Use:           "flect",
		Short:         "flect: a Valkey-compatible KV node with native multi-tenancy",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(NewServerCmd(info), NewVersionCmd(info), NewKVCmd(os.Getenv))
	return root
}

// NewVersionCmd returns `flect version`.
func NewVersionCmd(info BuildInfo) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			printVersion(cmd.OutOrStdout(), info)
			return nil
		},
	}
}

func printVersion(w io.Writer, info BuildInfo) {
	fmt.Fprintf(w, "flect %s (commit %s, built %s)\n", info.Version, info.Commit, info.Date)
}
