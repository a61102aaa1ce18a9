package namespace_test

import (
	"os/exec"
	"syscall"
)

// setPdeathsig has the kernel stop cmd's process (SIGTERM) when the thread
// that started it ends, so a helper process does not outlive a killed test
// binary.
func setPdeathsig(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
}
