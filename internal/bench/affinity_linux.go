package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// PinnableCPU returns the CPU PinClient("auto") takes: the last one this
// process may run on, when it may run on more than one; ok is false
// otherwise.
func PinnableCPU() (cpu int, ok bool) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil || set.Count() < 2 {
		return 0, false
	}
	for c := len(set)*64 - 1; c >= 0; c-- {
		if set.IsSet(c) {
			return c, true
		}
	}
	return 0, false
}

// CPUAllowed reports whether this process may run on cpu.
func CPUAllowed(cpu int) bool {
	var set unix.CPUSet
	return cpu >= 0 && unix.SchedGetaffinity(0, &set) == nil && set.IsSet(cpu)
}

// PinClient keeps this process (every thread it has, and so every thread
// they start, child processes included) on one CPU, and sets GOMAXPROCS to
// 1. Run calls it once the server is up; the server then has the other
// CPUs to itself, and the client's threads no longer move onto the cores
// its backends run on: on a two-core machine that movement makes a
// run's sdk/pgx medians swing by up to about 0.15 from run to run.
func PinClient(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	// Threads started while the first pass runs inherit the affinity of
	// the thread that started them: a second pass catches any started by a
	// thread not yet pinned.
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("pin to CPU %d: %w", cpu, err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
				return fmt.Errorf("pin to CPU %d: %w", cpu, err)
			}
		}
	}
	runtime.GOMAXPROCS(1)
	return nil
}
