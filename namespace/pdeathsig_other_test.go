//go:build !linux

package namespace_test

import (
	"os/exec"
	"syscall"
)

// setPdeathsig does nothing here but make cmd.SysProcAttr: only Linux has
// a parent-death signal. A helper process the tests start is stopped by
// their cleanup instead.
func setPdeathsig(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
}
