//go:build unix

package namespace_test

import (
	"os/exec"
	"syscall"
)

// setCredential makes cmd run as the OS user uid (group gid).
func setCredential(cmd *exec.Cmd, uid, gid int) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
}
