//go:build !unix

package namespace_test

import "os/exec"

// setCredential does nothing here: the tests call it only when running as
// root (uid 0), which has no meaning outside Unix.
func setCredential(*exec.Cmd, int, int) {}
