package pgcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ownerRecord is the content of a cluster's owner file: the owner's pid and,
// where the platform tells it, the process's start time (so a reused pid is
// not taken for the owner).
func ownerRecord(pid int) string {
	return strconv.Itoa(pid) + " " + processStartToken(pid) + "\n"
}

// ownerAlive reports whether the process an owner record names still runs.
func ownerAlive(record string) bool {
	fields := strings.Fields(record)
	if len(fields) == 0 {
		return false
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil || pid <= 0 || !processAlive(pid) {
		return false
	}
	if len(fields) > 1 {
		if now := processStartToken(pid); now != "" && now != fields[1] {
			return false // the pid was reused
		}
	}
	return true
}

// CleanStale removes the cluster directories under base (os.TempDir() if
// empty) whose owner process has ended, stopping their servers first. Start
// calls it; it is exported for tools that want to tidy up by hand. Errors are
// ignored: a directory that cannot be judged or removed is left alone.
func CleanStale(base string) {
	if !supported {
		return
	}
	if base == "" {
		base = os.TempDir()
	}
	matches, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
	for _, dir := range matches {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			// No owner yet (being created right now) or unreadable: only
			// an old directory is taken for abandoned.
			fi, serr := os.Stat(dir)
			if serr != nil || !fi.IsDir() || time.Since(fi.ModTime()) < time.Hour {
				continue
			}
		} else if ownerAlive(string(b)) {
			continue
		}
		stopOrphan(filepath.Join(dir, "data"))
		_ = os.RemoveAll(dir)
	}
}

// stopOrphan stops the postmaster of dataDir if one still runs: an immediate
// shutdown, then a kill after ten seconds.
func stopOrphan(dataDir string) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 2 || strings.TrimSpace(lines[1]) != dataDir {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 || !processAlive(pid) {
		return
	}
	_ = signalQuit(pid)
	for range 200 {
		if !processAlive(pid) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = signalKill(pid)
}
