package namespace_test

// Hole 5 of issue 10: the SDK through PgBouncer in transaction mode, as
// many application instances share one server. The test starts Debian's
// pgbouncer itself, on a free loopback port, in front of the test's
// PostgreSQL, and skips where pgbouncer is not installed.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// pgBouncer is a pgbouncer process a test started.
type pgBouncer struct {
	port     int
	user     string
	password string
	log      string
}

// dsn reaches database db through the pooler as the server's admin user.
func (b *pgBouncer) dsn(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(b.user, b.password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// startPgBouncer starts pgbouncer in transaction pool mode in front of the
// test's server, with extra settings for its [pgbouncer] section. Clients
// authenticate with SCRAM against the server's own password verifiers
// (auth_query, as the server's admin user), so namespace roles log in
// with the passwords the Manager gives them. It skips the test when
// pgbouncer is not installed.
func startPgBouncer(t testing.TB, extra map[string]string) *pgBouncer {
	t.Helper()
	bin := "/usr/sbin/pgbouncer"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("pgbouncer"); err != nil {
			t.Skip("pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it): the PgBouncer test is skipped")
		}
	}
	server, err := pgconn.ParseConfig(serverDSN(t))
	require.NoError(t, err)
	b := &pgBouncer{user: server.User, password: server.Password}
	if b.password == "" {
		// The server trusts its admin user; pgbouncer still wants a
		// password from its clients.
		buf := make([]byte, 12)
		_, _ = rand.Read(buf)
		b.password = hex.EncodeToString(buf)
	}

	dir, err := os.MkdirTemp("", "customdata-pgbouncer-*")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b.port = ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	settings := map[string]string{
		"listen_addr":               "127.0.0.1",
		"listen_port":               strconv.Itoa(b.port),
		"unix_socket_dir":           "",
		"pool_mode":                 "transaction",
		"auth_type":                 "scram-sha-256",
		"auth_file":                 filepath.Join(dir, "userlist.txt"),
		"auth_user":                 b.user,
		"max_client_conn":           "500",
		"default_pool_size":         "20",
		"logfile":                   filepath.Join(dir, "pgbouncer.log"),
		"ignore_startup_parameters": "extra_float_digits",
	}
	for k, v := range extra {
		settings[k] = v
	}
	var ini strings.Builder
	fmt.Fprintf(&ini, "[databases]\n* = host=%s port=%d\n\n[pgbouncer]\n", server.Host, server.Port)
	for k, v := range settings {
		fmt.Fprintf(&ini, "%s = %s\n", k, v)
	}
	iniPath := filepath.Join(dir, "pgbouncer.ini")
	require.NoError(t, os.WriteFile(iniPath, []byte(ini.String()), 0o600))
	require.NoError(t, os.WriteFile(settings["auth_file"], []byte(fmt.Sprintf("%q %q\n", b.user, b.password)), 0o600))
	b.log = settings["logfile"]

	cmd := exec.Command(bin, iniPath)
	setPdeathsig(cmd) // pgbouncer does not outlive a killed test binary
	if os.Geteuid() == 0 {
		// pgbouncer refuses to run as root: run it as the postgres OS user,
		// as the test kit runs PostgreSQL.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("pgbouncer refuses to run as root and there is no postgres OS user to run it as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, iniPath, settings["auth_file"]} {
			require.NoError(t, os.Chown(p, uid, gid))
		}
		setCredential(cmd, uid, gid)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			tail, _ := os.ReadFile(b.log)
			if len(tail) > 4000 {
				tail = tail[len(tail)-4000:]
			}
			t.Logf("pgbouncer log (end):\n%s", tail)
		}
	})
	// Wait until it accepts connections (or has exited).
	for deadline := time.Now().Add(15 * time.Second); ; {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)))
		if err == nil {
			_ = c.Close()
			return b
		}
		select {
		case err := <-exited:
			logText, _ := os.ReadFile(b.log)
			t.Fatalf("pgbouncer exited: %v\n%s\n%s", err, stderr.String(), logText)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer did not listen on port %d: %s", b.port, stderr.String())
		}
	}
}

// TestThroughPgBouncerInTransactionMode (hole 5): with
// Config.TransactionPooler, a Manager and its handles work through
// PgBouncer in transaction mode: NewManager, Install, Open, 80 GetOrCreate
// calls from 8 goroutines, attributes, with no failure; and the handle
// limits, being the roles' own settings, hold on the pooler's sessions.
// Without the option, NewManager says which option to set.
func TestThroughPgBouncerInTransactionMode(t *testing.T) {
	t.Parallel()
	b := startPgBouncer(t, nil)
	d := testdb.New(t)
	dsn := b.dsn(d.Name)

	_, err := namespace.NewManager(ctx, dsn)
	require.Error(t, err, "PgBouncer refuses the admin pool's startup search_path")
	assert.ErrorIs(t, err, namespace.ErrTransactionPooler)
	assert.ErrorContains(t, err, "TransactionPooler")

	m, err := namespace.NewManagerWithConfig(ctx, namespace.Config{
		DSN: dsn, TransactionPooler: true,
		HandleLimits: namespace.HandleLimits{StatementTimeout: 2 * time.Second},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })

	const ns = "acme__pooled"
	type Visit struct {
		custommodel.CustomModel
		Code  string `gorm:"uniqueIndex"`
		Count int64
	}
	p := rwPlugin("pooled", ns, nil)
	p.Models = []any{&Visit{}}
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	require.True(t, inst.Created)
	rw, err := m.Open(ctx, ns, inst.Keys.ReadWrite)
	require.NoError(t, err)
	defer rw.Close()

	// 80 GetOrCreate calls of 10 keys from 8 goroutines.
	const calls, keys, workers = 80, 10, 8
	var (
		mu      sync.Mutex
		failed  []error
		created int
		wg      sync.WaitGroup
	)
	for g := range workers {
		wg.Go(func() {
			for i := g; i < calls; i += workers {
				v, c, err := custommodel.GetOrCreate(ctx, rw.DB(ctx), custommodel.Lookup{"code": fmt.Sprintf("k%d", i%keys)}, &Visit{Count: int64(i)})
				mu.Lock()
				switch {
				case err != nil:
					failed = append(failed, err)
				case v.Code != fmt.Sprintf("k%d", i%keys):
					failed = append(failed, fmt.Errorf("call %d got row %q", i, v.Code))
				case c:
					created++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Empty(t, failed, "%d of %d GetOrCreate calls failed", len(failed), calls)
	assert.Equal(t, keys, created, "one creator per key")
	var rows int64
	require.NoError(t, rw.DB(ctx).Model(&Visit{}).Count(&rows).Error)
	assert.Equal(t, int64(keys), rows)

	// Attributes, written by the read_write handle, read by the read one.
	hub, _, err := attributehub.GetOrCreate(ctx, rw.DB(ctx), "visit_note", "visit:1")
	require.NoError(t, err)
	require.NoError(t, hub.SetAttribute(ctx, "tagged_by", "pooled ✓"))
	require.NoError(t, hub.SetAttributes(ctx, map[string]any{"count": 7, "ok": true}))
	ro, err := m.Open(ctx, ns, inst.Keys.Read)
	require.NoError(t, err)
	defer ro.Close()
	roHub, err := attributehub.Get(ctx, ro.DB(ctx), "visit_note", "visit:1")
	require.NoError(t, err)
	for name, want := range map[string]any{"tagged_by": "pooled ✓", "count": int64(7), "ok": true} {
		got, ok, err := roHub.GetAttribute(ctx, name)
		require.NoError(t, err, name)
		assert.True(t, ok, name)
		assert.Equal(t, want, got, name)
	}
	require.ErrorIs(t, roHub.SetAttribute(ctx, "tagged_by", "intruder"), namespace.ErrWriteDenied)

	// The handle limits are the roles' own settings: they hold on the
	// server sessions PgBouncer opens for the roles.
	show := func(name string) string {
		var v string
		require.NoError(t, ro.DB(ctx).Raw("SHOW "+name).Scan(&v).Error)
		return v
	}
	assert.Equal(t, "2s", show("statement_timeout"))
	assert.Equal(t, "10s", show("lock_timeout"))
	assert.Equal(t, "1min", show("idle_in_transaction_session_timeout"))
	assert.Equal(t, "1GB", show("temp_file_limit"))
	err = ro.DB(ctx).Raw("SELECT pg_sleep(30)").Scan(new(string)).Error
	require.Error(t, err)
	assertPgCode(t, err, "57014")

	// Drop works through the pooler too, and leaves no role behind.
	rw.Close()
	ro.Close()
	_, err = m.Drop(ctx, ns, namespace.DestructiveOptions{Apply: true})
	require.NoError(t, err)
	var left int
	require.NoError(t, d.DB.Raw("SELECT count(*) FROM pg_roles WHERE rolname LIKE $1", fmt.Sprintf("customdata_%d_%%", d.OID)).Scan(&left).Error)
	assert.Zero(t, left)
}

// TestTransactionPoolerRefusesAnUnsafeSearchPath (hole 5): through a
// pooler the Manager cannot give its own sessions search_path =
// pg_catalog, so it refuses to start where any role may create objects in
// a schema on the DSN's search_path (objects that could stand in for the
// ones it means), and names the fix.
func TestTransactionPoolerRefusesAnUnsafeSearchPath(t *testing.T) {
	t.Parallel()
	b := startPgBouncer(t, nil)
	d := testdb.New(t)
	require.NoError(t, d.DB.Exec("GRANT CREATE ON SCHEMA public TO PUBLIC").Error)
	_, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: b.dsn(d.Name), TransactionPooler: true})
	require.ErrorIs(t, err, namespace.ErrUnsafeSearchPath)
	assert.ErrorContains(t, err, `"public"`)
	assert.ErrorContains(t, err, "REVOKE CREATE ON SCHEMA")

	require.NoError(t, d.DB.Exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC").Error)
	m, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: b.dsn(d.Name), TransactionPooler: true})
	require.NoError(t, err)
	require.NoError(t, m.Close())
}

// BenchmarkTransactionPooler measures what Config.TransactionPooler costs a
// call: a GetOrCreate hit through a handle on a direct connection with
// unnamed one-round-trip statements (the option) beside the default cached
// prepared statements, in one run; and, for scale, the option through the
// test's pgbouncer.
func BenchmarkTransactionPooler(b *testing.B) {
	type Visit struct {
		custommodel.CustomModel
		Code  string `gorm:"uniqueIndex"`
		Count int64
	}
	bouncer := startPgBouncer(b, nil)
	d := testdb.New(b)
	for _, c := range []struct {
		name   string
		dsn    string
		pooler bool
	}{
		{"baseline_cached_statements", d.DSN, false},
		{"transaction_pooler", d.DSN, true},
		{"transaction_pooler_through_pgbouncer", bouncer.dsn(d.Name), true},
		{"simple_protocol", d.DSN + "&default_query_exec_mode=simple_protocol", true},
		{"cache_describe", d.DSN + "&default_query_exec_mode=cache_describe", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: c.dsn, TransactionPooler: c.pooler})
			require.NoError(b, err)
			defer m.Close()
			const ns = "acme__bench_pooler"
			p := rwPlugin("bench", ns, map[string]string{manifest.ReadWriteAccessKey: poolerBenchKey})
			if poolerBenchKey == "" {
				p.Secrets = nil
			}
			p.Models = []any{&Visit{}}
			inst, err := m.Install(ctx, p)
			require.NoError(b, err)
			if inst.Created {
				poolerBenchKey = inst.Keys.ReadWrite
			}
			h, err := m.Open(ctx, ns, poolerBenchKey)
			require.NoError(b, err)
			defer h.Close()
			_, _, err = custommodel.GetOrCreate(ctx, h.DB(ctx), custommodel.Lookup{"code": "hot"}, &Visit{})
			require.NoError(b, err)
			b.ResetTimer()
			for range b.N {
				if _, _, err := custommodel.GetOrCreate(ctx, h.DB(ctx), custommodel.Lookup{"code": "hot"}, &Visit{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var poolerBenchKey string

// TestTransactionPoolerSessionStateWithResetAlways (holes 3 and 5): through
// a transaction pooler, a session setting a plugin makes outside a
// transaction stays on the server session, which the pooler lends next to
// another client of the same role: the SDK's session guard cannot reach
// it. PgBouncer's server_reset_query_always = 1 runs DISCARD ALL after
// every transaction, and then none of hole 3's statements reaches another
// plugin of the namespace. With one server session per role, every call of
// the victim (another Manager) lands on the session the hostile plugin
// changed.
func TestTransactionPoolerSessionStateWithResetAlways(t *testing.T) {
	t.Parallel()
	b := startPgBouncer(t, map[string]string{
		"default_pool_size": "1", "server_reset_query": "DISCARD ALL", "server_reset_query_always": "1",
	})
	d := testdb.New(t)
	cfg := namespace.Config{DSN: b.dsn(d.Name), TransactionPooler: true}
	hostileM, err := namespace.NewManagerWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = hostileM.Close() })
	victimM, err := namespace.NewManagerWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = victimM.Close() })
	keys := create(t, hostileM, "acme__pooled_state")
	hostile, err := hostileM.Open(ctx, "acme__pooled_state", keys.ReadWrite)
	require.NoError(t, err)
	defer hostile.Close()
	victim, err := victimM.Open(ctx, "acme__pooled_state", keys.ReadWrite)
	require.NoError(t, err)
	defer victim.Close()

	settings := func(db *gorm.DB) []string {
		var out []string
		for _, name := range []string{"client_encoding", "default_transaction_read_only", "DateStyle", "statement_timeout", "work_mem"} {
			var v string
			require.NoError(t, db.Raw("SHOW "+name).Scan(&v).Error)
			out = append(out, v)
		}
		return out
	}
	want := settings(victim.DB(ctx))
	text := "naïve café ✓"
	for i, stmt := range []string{
		"SET client_encoding = 'LATIN1'",
		"SET default_transaction_read_only = on",
		"DISCARD ALL",
		"DEALLOCATE ALL",
		"SELECT set_config('datestyle', 'SQL, DMY', false)",
		"SELECT pg_advisory_lock(42)",
		"SET statement_timeout = 0; SET work_mem = '1GB'",
	} {
		require.NoError(t, hostile.DB(ctx).Exec(stmt).Error, stmt)
		db := victim.DB(ctx)
		id := fmt.Sprintf("hub-%d", i)
		if !assert.NoError(t, db.Exec("INSERT INTO acme__pooled_state.attribute_hub (type, id) VALUES ($1, $2)", text, id).Error, "after %s", stmt) {
			continue
		}
		var got string
		require.NoError(t, db.Raw("SELECT type FROM acme__pooled_state.attribute_hub WHERE id = $1", id).Scan(&got).Error, "after %s", stmt)
		assert.Equal(t, text, got, "after %s", stmt)
		assert.Equal(t, want, settings(db), "after %s", stmt)
		var locks int
		require.NoError(t, db.Raw("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").Scan(&locks).Error)
		assert.Zero(t, locks, "after %s", stmt)
	}
}
