//go:build unix && !linux

package pgcluster

import "os/exec"

// setPdeathsig does nothing here: only Linux has a parent-death signal.
// CleanStale stops the servers of dead owners instead.
func setPdeathsig(cmd *exec.Cmd) {}

// processStartToken is unknown here.
func processStartToken(pid int) string { return "" }

// zombie is not told apart here.
func zombie(pid int) bool { return false }
