package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPinClient pins a child process (this test binary, run again) and
// checks that every thread it has then, and every thread started after, may
// run on that one CPU only, with GOMAXPROCS 1.
func TestPinClient(t *testing.T) {
	if os.Getenv("BENCH_PIN_CHILD") == "1" {
		pinChild(t)
		return
	}
	t.Parallel()
	cpu, ok := PinnableCPU()
	if !ok {
		t.Skip("this process may run on one CPU only: nothing to pin")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPinClient$", "-test.v")
	cmd.Env = append(os.Environ(), "BENCH_PIN_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), fmt.Sprintf("pinned to %d", cpu))
}

func pinChild(t *testing.T) {
	cpu, ok := PinnableCPU()
	require.True(t, ok)
	require.NoError(t, PinClient(cpu))
	// Start threads: goroutines locked to their own OS threads.
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			runtime.LockOSThread()
			<-release
		})
	}
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	require.NoError(t, err)
	require.Greater(t, len(tasks), 4)
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue // the thread ended
		}
		require.NoError(t, err)
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
				assert.Equal(t, fmt.Sprint(cpu), strings.TrimSpace(v), f)
			}
		}
	}
	close(release)
	wg.Wait()
	assert.Equal(t, 1, runtime.GOMAXPROCS(0))
	fmt.Printf("pinned to %d\n", cpu)
}
