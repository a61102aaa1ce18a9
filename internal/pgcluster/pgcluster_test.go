//go:build unix

package pgcluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// start starts a cluster for t, skipping the test where the machine has no
// PostgreSQL binaries.
func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if _, err := FindBinDir(opts.BinDir); errors.Is(err, ErrNoBinaries) {
		t.Skip(err)
	}
	c, err := Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

func TestStartServesAndStopRemovesDir(t *testing.T) {
	t.Parallel()
	c := start(t, Options{})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.DSN())
	require.NoError(t, err)
	var user, fsync, listen string
	var super bool
	require.NoError(t, conn.QueryRow(ctx,
		"SELECT current_user, current_setting('fsync'), current_setting('listen_addresses'), "+
			"(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)").Scan(&user, &fsync, &listen, &super))
	require.NoError(t, conn.Close(ctx))
	assert.Equal(t, "postgres", user)
	assert.True(t, super)
	assert.Equal(t, "off", fsync)
	assert.Empty(t, listen, "the cluster must listen on its unix socket only")
	if len(os.TempDir()) <= maxSocketBase {
		assert.True(t, strings.HasPrefix(c.Dir(), os.TempDir()), "cluster dir %s is under os.TempDir()", c.Dir())
	}

	if os.Geteuid() == 0 {
		fi, err := os.Stat(filepath.Join(c.Dir(), "data"))
		require.NoError(t, err)
		assert.Equal(t, "postgres", ownerName(t, fi))
	}

	require.NoError(t, c.Stop())
	_, err = os.Stat(c.Dir())
	assert.True(t, os.IsNotExist(err), "cluster dir still exists after Stop: %v", err)
	_, err = pgx.Connect(ctx, c.DSN())
	assert.Error(t, err, "server still answers after Stop")
	assert.NoError(t, c.Stop(), "a second Stop is harmless")
}

func TestSettingsOverrideDefaults(t *testing.T) {
	t.Parallel()
	c := start(t, Options{Settings: map[string]string{"work_mem": "7MB"}})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.DSN())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var v string
	require.NoError(t, conn.QueryRow(ctx, "SHOW work_mem").Scan(&v))
	assert.Equal(t, "7MB", v)
}

func TestFindBinDirErrors(t *testing.T) {
	_, err := FindBinDir(t.TempDir())
	require.ErrorIs(t, err, ErrNoBinaries)
	assert.Contains(t, err.Error(), "apt-get install -y postgresql")
	assert.Contains(t, err.Error(), "DATABASE_URL")
}

func TestStartReportsInitdbFailure(t *testing.T) {
	t.Parallel()
	bin, err := FindBinDir("")
	if err != nil {
		t.Skip(err)
	}
	// A BinDir whose initdb fails, next to the real postgres.
	dir, err := os.MkdirTemp("", "pgcluster-fakebin-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "initdb"), []byte("#!/bin/sh\necho 'initdb: simulated trouble' >&2\nexit 1\n"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(bin, "postgres"), filepath.Join(dir, "postgres")))

	_, err = Start(context.Background(), Options{BinDir: dir})
	var ie *InitdbError
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "simulated trouble")
	_, statErr := os.Stat(filepath.Dir(ie.Dir))
	assert.True(t, os.IsNotExist(statErr), "failed start must remove its directory")
}

func TestStartAsRootWithoutOSUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs PostgreSQL as another OS user")
	}
	if _, err := FindBinDir(""); err != nil {
		t.Skip("no PostgreSQL binaries here: " + err.Error())
	}
	_, err := Start(context.Background(), Options{OSUser: "customdata-no-such-user"})
	require.ErrorIs(t, err, ErrNoOSUser)
	assert.Contains(t, err.Error(), "customdata-no-such-user")
}

func TestCleanStaleStopsOrphans(t *testing.T) {
	t.Parallel()
	base, err := os.MkdirTemp("", "pgcluster-stale-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))
	c := start(t, Options{BaseDir: base})

	// A live owner keeps the cluster.
	CleanStale(base)
	_, err = os.Stat(c.Dir())
	require.NoError(t, err, "CleanStale removed a cluster whose owner is alive")

	// Pretend the owner died: a pid from a process that has exited.
	exited := exec.Command("true")
	require.NoError(t, exited.Run())
	require.NoError(t, os.WriteFile(filepath.Join(c.Dir(), ownerFile), []byte(ownerRecord(exited.Process.Pid)), 0o644))
	postmaster := c.cmd.Process.Pid
	CleanStale(base)
	_, err = os.Stat(c.Dir())
	assert.True(t, os.IsNotExist(err), "stale cluster dir not removed")
	<-c.done // the orphaned server was stopped
	assert.False(t, processAlive(postmaster))
}

func TestOwnerAlive(t *testing.T) {
	assert.True(t, ownerAlive(ownerRecord(os.Getpid())))
	assert.False(t, ownerAlive(""))
	assert.False(t, ownerAlive("garbage"))
	if tok := processStartToken(os.Getpid()); tok != "" {
		assert.False(t, ownerAlive(strconv.Itoa(os.Getpid())+" 1"), "a reused pid is not the owner")
	}
}

func TestInitCacheIsReusedAndGuarded(t *testing.T) {
	t.Parallel()
	base, err := os.MkdirTemp("", "pgcluster-cache-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))

	first := start(t, Options{BaseDir: base})
	caches, err := filepath.Glob(filepath.Join(base, initCachePrefix+"*"))
	require.NoError(t, err)
	require.Len(t, caches, 1, "the first cluster publishes its initdb output")
	cred, err := runAsFor("")
	require.NoError(t, err)
	assert.True(t, usableCache(caches[0], cred))

	// A cluster made from the cache works and is independent of the first.
	assert.Empty(t, first.fromCache, "the first cluster ran initdb")
	second := start(t, Options{BaseDir: base})
	assert.Equal(t, caches[0], second.fromCache, "the second cluster skipped initdb")
	ctx := context.Background()
	for i, c := range []*Cluster{first, second} {
		conn, err := pgx.Connect(ctx, c.DSN())
		require.NoError(t, err)
		_, err = conn.Exec(ctx, "CREATE DATABASE only_in_"+strconv.Itoa(i))
		require.NoError(t, err)
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'only_in_%'").Scan(&n))
		assert.Equal(t, 1, n)
		require.NoError(t, conn.Close(ctx))
	}

	// A cache others could have written is not trusted.
	require.NoError(t, os.Chmod(caches[0], 0o777))
	assert.False(t, usableCache(caches[0], cred))
	require.NoError(t, os.Chmod(caches[0], 0o700))
	assert.False(t, usableCache(filepath.Join(base, initCachePrefix+"missing"), cred))
}

// TestDamagedInitCacheIsReplaced: a cache the server cannot start from is
// dropped, and the cluster starts from a fresh initdb.
func TestDamagedInitCacheIsReplaced(t *testing.T) {
	t.Parallel()
	base, err := os.MkdirTemp("", "pgcluster-damaged-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	require.NoError(t, os.Chmod(base, 0o755))

	start(t, Options{BaseDir: base})
	caches, err := filepath.Glob(filepath.Join(base, initCachePrefix+"*"))
	require.NoError(t, err)
	require.Len(t, caches, 1)
	require.NoError(t, os.Remove(filepath.Join(caches[0], "global", "pg_control")))

	c := start(t, Options{BaseDir: base})
	assert.Empty(t, c.fromCache, "started from a fresh initdb")
	conn, err := pgx.Connect(context.Background(), c.DSN())
	require.NoError(t, err)
	require.NoError(t, conn.Close(context.Background()))
	cred, err := runAsFor("")
	require.NoError(t, err)
	assert.True(t, usableCache(caches[0], cred), "a good cache was published again")
	_, err = os.Stat(filepath.Join(caches[0], "global", "pg_control"))
	assert.NoError(t, err)
}
