//go:build !unix

package pgcluster

import "os"

// startReaper is not available here: CleanStale tidies up at the next Start.
func startReaper(dir string) *os.Process { return nil }
