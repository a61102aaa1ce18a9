//go:build unix

package pgcluster

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// supported reports whether Start can work on this platform.
const supported = true

// runAs makes cmd run as u (nil: as this process), without root's
// supplementary groups.
func runAs(cmd *exec.Cmd, u *osUser) {
	if u == nil {
		return
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{}}
}

// processAlive reports whether a process with this pid exists and has not
// ended (a zombie waiting to be reaped counts as ended).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return (err == nil || errors.Is(err, syscall.EPERM)) && !zombie(pid)
}

// signalInterrupt asks a postmaster for a fast shutdown.
func signalInterrupt(p *os.Process) error { return p.Signal(syscall.SIGINT) }

// signalQuit asks a postmaster for an immediate shutdown.
func signalQuit(pid int) error { return syscall.Kill(pid, syscall.SIGQUIT) }

// signalKill kills a process.
func signalKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// ownedBy reports whether fi belongs to uid.
func ownedBy(fi os.FileInfo, uid int) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == uid
}
