//go:build !unix

package pgcluster

import (
	"errors"
	"os"
	"os/exec"
)

// supported reports whether Start can work on this platform.
const supported = false

var errUnsupportedSignal = errors.New("pgcluster: not supported on this platform")

func runAs(cmd *exec.Cmd, u *osUser)       {}
func setPdeathsig(cmd *exec.Cmd)           {}
func processStartToken(pid int) string     { return "" }
func processAlive(pid int) bool            { return true }
func signalInterrupt(p *os.Process) error  { return p.Kill() }
func signalQuit(pid int) error             { return errUnsupportedSignal }
func signalKill(pid int) error             { return errUnsupportedSignal }
func ownedBy(fi os.FileInfo, uid int) bool { return false }
