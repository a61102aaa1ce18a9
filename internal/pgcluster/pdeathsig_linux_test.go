package pgcluster

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperEnv makes the test binary act as a process that starts a cluster,
// prints its directory and waits to be killed.
const helperEnv = "PGCLUSTER_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		c, err := Start(context.Background(), Options{})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Println(c.Dir())
		select {}
	}
	if os.Getenv(helperEnv) == "exit" { // start a cluster, then exit without Stop
		c, err := Start(context.Background(), Options{})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Println(c.Dir())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestKilledOwnerTakesServerDown kills (SIGKILL, no cleanup code runs) a
// process that started a cluster and checks that its postmaster goes away.
func TestKilledOwnerTakesServerDown(t *testing.T) {
	t.Parallel()
	if _, err := FindBinDir(""); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	dir := strings.TrimSpace(line)
	require.False(t, strings.HasPrefix(dir, "ERROR"), dir)
	t.Cleanup(func() { CleanStale(filepath.Dir(dir)) })

	pidFile, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	require.NoError(t, err)
	postmaster, err := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	require.NoError(t, err)
	require.True(t, processAlive(postmaster))

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	// Not a speed check: a generous bound so a broken parent-death signal
	// fails the test instead of hanging it.
	deadline := time.Now().Add(30 * time.Second)
	for processAlive(postmaster) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	assert.False(t, processAlive(postmaster), "postmaster %d outlived its killed owner", postmaster)

	// The next start tidies the abandoned directory.
	CleanStale(filepath.Dir(dir))
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "abandoned dir %s not removed", dir)
}

// TestDirectoryGoesWithoutStop: a process that ends without Stop (a test
// package without TestMain) leaves no cluster directory behind.
func TestDirectoryGoesWithoutStop(t *testing.T) {
	t.Parallel()
	if _, err := FindBinDir(""); err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=exit")
	out, err := cmd.Output()
	require.NoError(t, err)
	dir := strings.TrimSpace(string(out))
	require.False(t, strings.HasPrefix(dir, "ERROR"), dir)
	require.True(t, filepath.IsAbs(dir), dir)
	t.Cleanup(func() { CleanStale(filepath.Dir(dir)) })

	// Not a speed check: a generous bound so a broken reaper fails the test
	// instead of hanging it.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster directory %s outlived its owner", dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
