package namespace_test

// Tests of issue 10's namespace holes: isolation that holds against a
// hostile plugin.

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// newManagerWithConfig returns a Manager configured as cfg (its DSN set
// here) over a fresh database of its own.
func newManagerWithConfig(t *testing.T, cfg namespace.Config) (*namespace.Manager, *testdb.Database) {
	t.Helper()
	d := testdb.New(t)
	cfg.DSN = d.DSN
	m, err := namespace.NewManagerWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m, d
}

// TestPluginCannotStarveOtherNamespacesOfConnections (hole 2): plugin code
// that lifts its pool's bound and holds connections meets the role's
// CONNECTION LIMIT (53300); another namespace still opens and works.
func TestPluginCannotStarveOtherNamespacesOfConnections(t *testing.T) {
	t.Parallel()
	m, d := newManagerWithConfig(t, namespace.Config{MaxConnsPerPool: 2, RoleConnectionLimit: 3})
	hog := create(t, m, "acme__hog")
	other := create(t, m, "acme__other")
	h, err := m.Open(ctx, "acme__hog", hog.Read)
	require.NoError(t, err)
	defer h.Close()
	sqlDB, err := h.DB(ctx).DB()
	require.NoError(t, err)
	sqlDB.SetMaxOpenConns(0) // what hostile plugin code does
	var held []*sql.Conn
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	var refused error
	for range 10 {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			refused = err
			break
		}
		require.NoError(t, c.PingContext(ctx))
		held = append(held, c)
	}
	require.Error(t, refused, "the role's connection limit stops the hog")
	assertPgCode(t, refused, "53300")
	assert.Len(t, held, 3)

	var limit int
	require.NoError(t, d.DB.Raw("SELECT rolconnlimit FROM pg_roles r JOIN customdata_admin.role_credential c ON c.role_name = r.rolname WHERE c.namespace = 'acme__hog' AND c.access_level = 'read'").Scan(&limit).Error)
	assert.Equal(t, 3, limit)

	ho, err := m.Open(ctx, "acme__other", other.Read)
	require.NoError(t, err, "another namespace still opens")
	defer ho.Close()
	var n int64
	require.NoError(t, ho.DB(ctx).Table("acme__other.attribute_hub").Count(&n).Error)
}

// TestDefaultRoleConnectionLimit: without configuration, each namespace
// role may hold 4 × MaxConnsPerPool sessions; existing roles get the limit
// at their next install.
func TestDefaultRoleConnectionLimit(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__limits")
	var limits []int
	require.NoError(t, d.DB.Raw("SELECT rolconnlimit FROM pg_roles r JOIN customdata_admin.role_credential c ON c.role_name = r.rolname ORDER BY 1").Scan(&limits).Error)
	assert.Equal(t, []int{40, 40}, limits)

	var roles []string
	require.NoError(t, d.DB.Raw("SELECT role_name FROM customdata_admin.role_credential").Scan(&roles).Error)
	for _, r := range roles {
		require.NoError(t, d.DB.Exec("ALTER ROLE "+r+" CONNECTION LIMIT -1").Error, "as an earlier version left it")
	}
	m2, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: d.DSN, RoleConnectionLimit: 7})
	require.NoError(t, err)
	defer m2.Close()
	_, err = m2.Install(ctx, readPlugin("later", "acme__limits", map[string]string{manifest.ReadAccessKey: keys.Read}))
	require.NoError(t, err)
	require.NoError(t, d.DB.Raw("SELECT rolconnlimit FROM pg_roles r JOIN customdata_admin.role_credential c ON c.role_name = r.rolname ORDER BY 1").Scan(&limits).Error)
	assert.Equal(t, []int{7, 7}, limits)
}

// TestHandleSessionsHaveServerSideLimits (hole 9): every session of a
// namespace role starts with the Manager's statement, lock and
// idle-in-transaction timeouts and (with a superuser Manager) a temporary
// file limit, so a read handle cannot sleep or spill without bound.
func TestHandleSessionsHaveServerSideLimits(t *testing.T) {
	t.Parallel()
	m, _ := newManagerWithConfig(t, namespace.Config{HandleLimits: namespace.HandleLimits{
		StatementTimeout: 300 * time.Millisecond, TempFileLimitKB: 2048,
	}})
	keys := create(t, m, "acme__limited")
	h, err := m.Open(ctx, "acme__limited", keys.Read)
	require.NoError(t, err)
	defer h.Close()
	db := h.DB(ctx)
	show := func(name string) string {
		var v string
		require.NoError(t, db.Raw("SHOW "+name).Scan(&v).Error)
		return v
	}
	assert.Equal(t, "300ms", show("statement_timeout"))
	assert.Equal(t, "10s", show("lock_timeout"), "the default")
	assert.Equal(t, "1min", show("idle_in_transaction_session_timeout"), "the default")
	assert.Equal(t, "2MB", show("temp_file_limit"))

	err = db.Raw("SELECT pg_sleep(30)").Scan(new(string)).Error
	require.Error(t, err)
	assertPgCode(t, err, "57014") // canceled by statement_timeout
}

// TestHandleTempFilesAreBounded (hole 9): a read handle's sort that spills
// beyond temp_file_limit fails (53400) instead of filling the disk.
func TestHandleTempFilesAreBounded(t *testing.T) {
	t.Parallel()
	m, _ := newManagerWithConfig(t, namespace.Config{HandleLimits: namespace.HandleLimits{StatementTimeout: -1, TempFileLimitKB: 1024}})
	keys := create(t, m, "acme__spill")
	h, err := m.Open(ctx, "acme__spill", keys.Read)
	require.NoError(t, err)
	defer h.Close()
	var v string
	require.NoError(t, h.DB(ctx).Raw("SHOW statement_timeout").Scan(&v).Error)
	assert.Equal(t, "0", v, "a negative limit sets none")
	err = h.DB(ctx).Raw("SELECT count(*) FROM (SELECT g FROM generate_series(1, 2000000) g ORDER BY g DESC) s").Scan(new(int64)).Error
	require.Error(t, err, "a sort spilling beyond temp_file_limit")
	assertPgCode(t, err, "53400")
}

// TestRoleSettingsAPluginGivesItselfAreUndone: a role's own settings
// (ALTER ROLE CURRENT_USER SET statement_timeout = 0) are found at the
// next connection and replaced by the Manager's limits.
func TestRoleSettingsAPluginGivesItselfAreUndone(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__selfset")
	h, err := m.Open(ctx, "acme__selfset", keys.ReadWrite)
	require.NoError(t, err)
	defer h.Close()
	sqlDB, err := h.DB(ctx).DB()
	require.NoError(t, err)
	require.NoError(t, execSimple(sqlDB, "ALTER ROLE CURRENT_USER SET statement_timeout = 0"))
	sqlDB.SetMaxIdleConns(0) // every call on a new connection
	var v string
	require.NoError(t, h.DB(ctx).Raw("SHOW statement_timeout").Scan(&v).Error)
	assert.Equal(t, "30s", v)
}

// pluginTx opens a transaction on a handle's own connection, as plugin
// code can, and runs stmts in it; the transaction stays open until the
// test ends (or the returned func is called).
func pluginTx(t *testing.T, h *namespace.Handle, stmts ...string) func() {
	t.Helper()
	sqlDB, err := h.DB(ctx).DB()
	require.NoError(t, err)
	tx, err := sqlDB.BeginTx(ctx, nil)
	require.NoError(t, err)
	for _, s := range stmts {
		_, err := tx.ExecContext(ctx, s)
		require.NoError(t, err, s)
	}
	done := false
	end := func() {
		if !done {
			done = true
			_ = tx.Rollback()
		}
	}
	t.Cleanup(end)
	return end
}

// TestPluginHoldingCatalogRowsBlocksNoInstall (hole 1): a read handle that
// runs no-op GRANTs (PostgreSQL only warns) in an open transaction holds
// the database's and its tables' catalog rows; installs of other
// namespaces, and re-installs of its own, do not wait for it.
func TestPluginHoldingCatalogRowsBlocksNoInstall(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__holder")
	h, err := m.Open(ctx, "acme__holder", keys.Read)
	require.NoError(t, err)
	defer h.Close()
	var dbName string
	require.NoError(t, d.DB.Raw("SELECT current_database()").Scan(&dbName).Error)
	pluginTx(t, h,
		`GRANT CONNECT ON DATABASE "`+dbName+`" TO PUBLIC`,
		`GRANT SELECT ON acme__holder.attribute_hub TO PUBLIC`,
		`GRANT SELECT ON acme__holder.custom_attribute TO PUBLIC`)

	bounded, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, ns := range []string{"acme__bystander", "acme__bystander_two"} {
		inst, err := m.Install(bounded, rwPlugin("owner_"+ns, ns, nil))
		require.NoError(t, err, "a new namespace installs while the plugin holds its rows")
		assert.True(t, inst.Created)
	}
	_, err = m.Install(bounded, rwPlugin("again", "acme__holder", map[string]string{manifest.ReadWriteAccessKey: keys.ReadWrite}))
	require.NoError(t, err, "a re-install of the plugin's own namespace grants nothing, so waits for nothing")
	_, err = m.Install(bounded, readPlugin("reader", "acme__holder", map[string]string{manifest.ReadAccessKey: keys.Read}))
	require.NoError(t, err)
}

// TestInstallGivesUpOnAHeldLockAndLeavesNothing (hole 1): where an install
// must change a row a plugin holds (here: SELECT on an SDK table, which a
// new namespace's roles need), it waits LockWait per attempt, 3 attempts,
// then fails with ErrLockTimeout and leaves nothing behind.
func TestInstallGivesUpOnAHeldLockAndLeavesNothing(t *testing.T) {
	t.Parallel()
	m, d := newManagerWithConfig(t, namespace.Config{LockWait: 200 * time.Millisecond})
	require.NoError(t, d.DB.Exec("CREATE TABLE public.canvas_sdk_data_api_note_001 (dbid bigint PRIMARY KEY)").Error)
	keys := create(t, m, "acme__holder")
	h, err := m.Open(ctx, "acme__holder", keys.Read)
	require.NoError(t, err)
	defer h.Close()
	release := pluginTx(t, h, `GRANT SELECT ON public.canvas_sdk_data_api_note_001 TO PUBLIC`)

	before := snapshot(t, m.DB())
	_, err = m.Install(ctx, rwPlugin("blocked", "acme__blocked", nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, namespace.ErrLockTimeout)
	assertPgCode(t, err, "55P03")
	assert.Equal(t, before, snapshot(t, m.DB()), "the failed install left nothing")

	release()
	inst, err := m.Install(ctx, rwPlugin("blocked", "acme__blocked", nil))
	require.NoError(t, err, "once the plugin's transaction ends, the install goes through")
	assert.True(t, inst.Created)
}

// TestDropClearsWhatRolesLeftInOtherDatabases (hole 6): a namespace role
// that connected to another database of the server and left a large
// object and default privileges there no longer makes Drop fail (2BP01).
func TestDropClearsWhatRolesLeftInOtherDatabases(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__leaver")
	other := testdb.New(t)
	var cred struct{ RoleName, Password string }
	require.NoError(t, d.DB.Raw("SELECT role_name, password FROM customdata_admin.role_credential WHERE namespace = 'acme__leaver' AND access_level = 'read'").Scan(&cred).Error)
	_ = keys

	// What plugin code can do with its connection's role and password.
	cfg, err := pgx.ParseConfig(other.DSN)
	require.NoError(t, err)
	cfg.User, cfg.Password = cred.RoleName, cred.Password
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "SELECT lo_create(0)")
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC")
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	plan, err := m.Drop(ctx, "acme__leaver", namespace.DestructiveOptions{Apply: true})
	require.NoError(t, err)
	assert.True(t, plan.Applied)
	var left int
	require.NoError(t, d.DB.Raw("SELECT count(*) FROM pg_roles WHERE rolname = ?", cred.RoleName).Scan(&left).Error)
	assert.Zero(t, left, "the roles are gone")
	require.NoError(t, other.DB.Raw("SELECT count(*) FROM pg_largeobject_metadata").Scan(&left).Error)
	assert.Zero(t, left, "and what they left elsewhere")
}

// TestSessionStateStaysWithItsCaller (hole 3): two plugins of one
// namespace and level share a pool; what one sets on its connection
// (client_encoding, default_transaction_read_only, DISCARD ALL, DEALLOCATE
// ALL, an advisory lock, an open transaction) never reaches the other's
// calls: they store and read the right text and succeed.
func TestSessionStateStaysWithItsCaller(t *testing.T) {
	t.Parallel()
	m, _ := newManagerWithConfig(t, namespace.Config{MaxConnsPerPool: 1})
	keys := create(t, m, "acme__shared_pool")
	hostile, err := m.Open(ctx, "acme__shared_pool", keys.ReadWrite)
	require.NoError(t, err)
	defer hostile.Close()
	victim, err := m.Open(ctx, "acme__shared_pool", keys.ReadWrite)
	require.NoError(t, err)
	defer victim.Close()

	text := "naïve café ✓"
	for i, stmt := range []string{
		"SET client_encoding = 'LATIN1'",
		"SET default_transaction_read_only = on",
		"DISCARD ALL",
		"DEALLOCATE ALL",
		"SELECT set_config('datestyle', 'SQL, DMY', false)",
		"SELECT pg_advisory_lock(42)",
		"SET statement_timeout = 0; SET work_mem = '1GB'",
		"BEGIN",
	} {
		// The pool has one connection: the victim's calls get the very
		// connection the hostile plugin used, unless the guard replaced it.
		require.NoError(t, hostile.DB(ctx).Exec(stmt).Error, stmt)
		db := victim.DB(ctx)
		id := fmt.Sprintf("hub-%d", i)
		require.NoError(t, db.Exec("INSERT INTO acme__shared_pool.attribute_hub (type, id) VALUES ($1, $2)", text, id).Error, "after %s", stmt)
		var got, enc, ro, style, timeout string
		require.NoError(t, db.Raw("SELECT type FROM acme__shared_pool.attribute_hub WHERE id = $1", id).Scan(&got).Error, "after %s", stmt)
		assert.Equal(t, text, got, "after %s", stmt)
		require.NoError(t, db.Raw("SHOW client_encoding").Scan(&enc).Error)
		require.NoError(t, db.Raw("SHOW default_transaction_read_only").Scan(&ro).Error)
		require.NoError(t, db.Raw("SHOW DateStyle").Scan(&style).Error)
		require.NoError(t, db.Raw("SHOW statement_timeout").Scan(&timeout).Error)
		assert.Equal(t, []string{"UTF8", "off", "ISO, MDY", "30s"}, []string{enc, ro, style, timeout}, "after %s", stmt)
		var locks int
		require.NoError(t, db.Raw("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()").Scan(&locks).Error)
		assert.Zero(t, locks, "after %s", stmt)
	}
}

// TestChangesSessionClassifiesStatements: the SDK's own statements are
// left alone; session-changing ones are caught wherever they stand.
func TestChangesSessionClassifiesStatements(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		sql  string
		want bool
	}{
		{`SELECT "dbid" FROM "acme__x"."attribute_hub" WHERE "type" = $1`, false},
		{`INSERT INTO "acme__x"."custom_attribute" (hub_id, name) VALUES ($1, $2) ON CONFLICT (hub_id, name) DO UPDATE SET text_value = excluded.text_value`, false},
		{`UPDATE "acme__x"."room" SET "name"=$1 WHERE "dbid" = $2`, false},
		{`WITH s AS (SELECT 1) SELECT * FROM s`, false},
		{`SELECT 'a; SET x = 1'`, false},
		{`SET LOCAL statement_timeout = 0`, false},
		{`SET TRANSACTION ISOLATION LEVEL SERIALIZABLE`, false},
		{`set client_encoding = 'LATIN1'`, true},
		{`  SET search_path = evil`, true},
		{`SELECT 1; RESET ALL`, true},
		{`discard all`, true},
		{`DEALLOCATE ALL`, true},
		{`PREPARE p AS SELECT 1`, true},
		{`LISTEN x`, true},
		{`CREATE TEMP TABLE t (x int)`, true},
		{`SELECT set_config('search_path', 'x', false)`, true},
		{`SELECT pg_advisory_lock(1)`, true},
		{`DECLARE c CURSOR WITH HOLD FOR SELECT 1`, true},
		// comments before a keyword, and between statements
		{`/* */ SET statement_timeout = 0`, true},
		{"-- x\nSET search_path = evil", true},
		{`/* a /* nested */ still a comment */ SET statement_timeout = 0`, true},
		{`SELECT 1; /* c */ RESET ALL`, true},
		{"SELECT 1 -- c\n; -- d\n DISCARD ALL", true},
		{`SELECT '--'; SET statement_timeout = 0`, true},
		{`SELECT '/*'; SET statement_timeout = 0`, true},
		{`SELECT 1 /* ; SET statement_timeout = 0 */`, false},
		{"SELECT 1 -- ; SET statement_timeout = 0", false},
		{`SET /* c */ LOCAL statement_timeout = 0`, false},
		// DO blocks and dollar quotes
		{`DO $$ BEGIN EXECUTE 'SET statement_timeout=0'; END $$`, true},
		{`do 'BEGIN PERFORM 1; END'`, true},
		{`SELECT $$it's$$; SET statement_timeout = 0`, true},
		{`SELECT $q$ x $q$`, true},
		{`SELECT "a$b" FROM t WHERE x = $1 AND y = $2`, false},
		{`SELECT a$b FROM t`, false},
		// quotes: doubled, E'' escapes
		{`SELECT E'\''; SET statement_timeout = 0`, true},
		{`SELECT e'\\'; SET statement_timeout = 0`, true},
		{`SELECT E'\'; SET x = 1; '`, false},
		{`SELECT 'it''s'; SET statement_timeout = 0`, true},
		{`SELECT 'a''; SET x = 1'`, false},
		{`SELECT "a""b"; SET statement_timeout = 0`, true},
		{`SELECT "a"";SET x = 1"`, false},
		{`SELECT 'a\'; SET statement_timeout = 0; --'`, true},
	} {
		assert.Equal(t, c.want, namespace.ChangesSession(c.sql), c.sql)
	}
	// With standard_conforming_strings off a backslash escapes in '...' too.
	assert.False(t, namespace.ChangesSessionIn(`SELECT 'a\'; SET x = 1; --'`, true))
	assert.True(t, namespace.ChangesSessionIn(`SELECT 'a\''; SET x = 1`, true))
}

// TestHiddenSetStaysWithItsCaller: a SET behind a comment or inside a DO
// block (statement_timeout and search_path, which PostgreSQL 15 does not
// report) by one plugin does not reach the next caller of the one shared
// connection.
func TestHiddenSetStaysWithItsCaller(t *testing.T) {
	t.Parallel()
	m, _ := newManagerWithConfig(t, namespace.Config{MaxConnsPerPool: 1})
	keys := create(t, m, "acme__hidden_set")
	hostile, err := m.Open(ctx, "acme__hidden_set", keys.ReadWrite)
	require.NoError(t, err)
	defer hostile.Close()
	victim, err := m.Open(ctx, "acme__hidden_set", keys.ReadWrite)
	require.NoError(t, err)
	defer victim.Close()

	var timeout0, path0 string
	require.NoError(t, victim.DB(ctx).Raw("SHOW statement_timeout").Scan(&timeout0).Error)
	require.NoError(t, victim.DB(ctx).Raw("SHOW search_path").Scan(&path0).Error)
	for _, stmt := range []string{
		"/* */ SET statement_timeout = 0",
		"/* */ SET search_path = pg_temp",
		"-- x\nSET search_path = pg_temp",
		"SELECT 1; /* a /* b */ c */ SET statement_timeout = 0",
		"DO $$ BEGIN EXECUTE 'SET statement_timeout = 0'; EXECUTE 'SET search_path = pg_temp'; END $$",
		"SELECT E'\\''; SET statement_timeout = 0",
	} {
		// The pool has one connection: the victim gets the connection the
		// hostile plugin used unless the guard replaced it.
		require.NoError(t, hostile.DB(ctx).Exec(stmt).Error, stmt)
		var timeout, path string
		require.NoError(t, victim.DB(ctx).Raw("SHOW statement_timeout").Scan(&timeout).Error)
		require.NoError(t, victim.DB(ctx).Raw("SHOW search_path").Scan(&path).Error)
		assert.Equal(t, []string{timeout0, path0}, []string{timeout, path}, "after %s", stmt)
	}
}

// TestAdminOperationsBoundTheirLockWaits (hole 1): key changes wait
// LockWait per attempt for a row a plugin holds (here its own role's,
// locked by ALTER ROLE CURRENT_USER in an open transaction), then fail
// with ErrLockTimeout, changing nothing, instead of hanging.
func TestAdminOperationsBoundTheirLockWaits(t *testing.T) {
	t.Parallel()
	m, _ := newManagerWithConfig(t, namespace.Config{LockWait: 200 * time.Millisecond})
	keys := create(t, m, "acme__rotor")
	h, err := m.Open(ctx, "acme__rotor", keys.Read)
	require.NoError(t, err)
	defer h.Close()
	release := pluginTx(t, h, "ALTER ROLE CURRENT_USER PASSWORD 'mine now'")

	before := snapshot(t, m.DB())
	bounded, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = m.RotateKeys(bounded, "acme__rotor")
	require.Error(t, err)
	assert.ErrorIs(t, err, namespace.ErrLockTimeout)
	assert.Equal(t, before, snapshot(t, m.DB()), "nothing changed")

	release()
	_, err = m.RotateKeys(ctx, "acme__rotor")
	require.NoError(t, err)
}

// TestDropSaysWhatBlocksIt (hole 6): where the Manager cannot clear what a
// namespace role left in another database (here: that database takes no
// connections, not even a superuser's), Drop changes nothing here and
// fails with ErrDropBlocked naming the database and the statement that
// clears it, and the databases it did clear; the namespace's open handles
// and live sessions keep working. Once the database is reachable again,
// Drop completes.
func TestDropSaysWhatBlocksIt(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__stuck")
	other, reachable := testdb.New(t), testdb.New(t)
	var cred struct{ RoleName, Password string }
	require.NoError(t, d.DB.Raw("SELECT role_name, password FROM customdata_admin.role_credential WHERE namespace = 'acme__stuck' AND access_level = 'read_write'").Scan(&cred).Error)
	for _, db := range []*testdb.Database{other, reachable} {
		cfg, err := pgx.ParseConfig(db.DSN)
		require.NoError(t, err)
		cfg.User, cfg.Password = cred.RoleName, cred.Password
		conn, err := pgx.ConnectConfig(ctx, cfg)
		require.NoError(t, err)
		_, err = conn.Exec(ctx, "SELECT lo_create(0)")
		require.NoError(t, err)
		require.NoError(t, conn.Close(ctx))
	}
	h, err := m.Open(ctx, "acme__stuck", keys.ReadWrite)
	require.NoError(t, err)
	defer h.Close()
	cfg, err := pgx.ParseConfig(d.DSN)
	require.NoError(t, err)
	cfg.User, cfg.Password = cred.RoleName, cred.Password
	live, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer live.Close(ctx)

	require.NoError(t, d.DB.Exec(`ALTER DATABASE "`+other.Name+`" ALLOW_CONNECTIONS false`).Error)
	reopen := func() { _ = d.DB.Exec(`ALTER DATABASE "` + other.Name + `" ALLOW_CONNECTIONS true`).Error }
	t.Cleanup(reopen)

	before := snapshot(t, m.DB())
	_, err = m.Drop(ctx, "acme__stuck", namespace.DestructiveOptions{Apply: true})
	require.ErrorIs(t, err, namespace.ErrDropBlocked)
	assert.ErrorContains(t, err, fmt.Sprintf("database %q", other.Name))
	assert.ErrorContains(t, err, "DROP OWNED BY")
	assert.ErrorContains(t, err, fmt.Sprintf("database(s) %q was removed", reachable.Name), "it says where it already cleared")
	assert.Equal(t, before, snapshot(t, m.DB()), "nothing was dropped")
	var left int
	require.NoError(t, reachable.DB.Raw("SELECT count(*) FROM pg_largeobject_metadata").Scan(&left).Error)
	assert.Zero(t, left, "cleared where it could")
	assert.NoError(t, h.DB(ctx).Exec("INSERT INTO acme__stuck.attribute_hub (type, id) VALUES ('t', 'after')").Error,
		"the namespace's handle still works")
	assert.NoError(t, live.Ping(ctx), "the role's live session was not ended")

	reopen()
	_, err = m.Drop(ctx, "acme__stuck", namespace.DestructiveOptions{Apply: true})
	require.NoError(t, err)
	require.NoError(t, other.DB.Raw("SELECT count(*) FROM pg_largeobject_metadata").Scan(&left).Error)
	assert.Zero(t, left)
	assert.ErrorIs(t, h.DB(ctx).Exec("SELECT 1").Error, namespace.ErrHandleClosed, "dropped now")
}
