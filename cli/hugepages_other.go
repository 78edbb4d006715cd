//go:build !linux

package cli

import (
	"context"
	"log/slog"
)

// adviseHugePages is Linux-only; elsewhere the heap keeps the system's
// default pages.
func adviseHugePages(context.Context, *slog.Logger) {}
