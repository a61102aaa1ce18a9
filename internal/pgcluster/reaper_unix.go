//go:build unix

package pgcluster

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// reaperScript waits for process $1 to end, then for the server of cluster
// directory $2 to exit (at most 30 seconds: the parent-death signal stops it
// at once), then removes the directory.
const reaperScript = `while kill -0 "$1" 2>/dev/null; do sleep 1; done
i=0
while [ -e "$2/data/postmaster.pid" ] && [ "$i" -lt 30 ]; do sleep 1; i=$((i+1)); done
rm -rf "$2"`

// startReaper starts a small shell process that outlives this one, so that
// a cluster's directory (tens of megabytes) goes when the process ends
// without Stop (tests without a TestMain that stops the cluster), not only
// at the next Start's CleanStale. Stop kills it. It returns nil when no
// shell can be started; CleanStale still tidies up then.
func startReaper(dir string) *os.Process {
	cmd := exec.Command("/bin/sh", "-c", reaperScript, "customdata-pgcluster-reaper", strconv.Itoa(os.Getpid()), dir)
	// Its own session: a Ctrl-C to the test's process group spares it.
	// No stdin, stdout or stderr: go test must not wait for it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil
	}
	go func() { _ = cmd.Wait() }() // collect it when Stop kills it
	return cmd.Process
}
