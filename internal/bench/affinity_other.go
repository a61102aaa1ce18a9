//go:build !linux

package bench

import (
	"fmt"
	"runtime"
)

// PinnableCPU reports false: pinning is supported on Linux only.
func PinnableCPU() (cpu int, ok bool) { return 0, false }

// CPUAllowed reports false: pinning is supported on Linux only.
func CPUAllowed(int) bool { return false }

// PinClient is supported on Linux only.
func PinClient(cpu int) error {
	return fmt.Errorf("pin to CPU %d: not supported on %s", cpu, runtime.GOOS)
}
