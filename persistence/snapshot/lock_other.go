//go:build !unix

package snapshot

import (
	"fmt"
	"io"
	"os"
)

// lockDir creates the lock file; on systems without flock the exclusion
// rests on Pebble's own lock of its directory.
func lockDir(path string) (io.Closer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("snapshot: lock file %q: %w", path, err)
	}
	return f, nil
}
