package namespace_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// The attacks of a security review, each now refused or repaired.

// TestPluginCannotBlockOtherNamespaces: advisory locks are open to every
// role; the Manager's locks are rows no plugin role can reach.
func TestPluginCannotBlockOtherNamespaces(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	a := create(t, m, "acme__attacker")
	h, err := m.Open(ctx, "acme__attacker", a.Read)
	require.NoError(t, err)
	sqlDB, err := h.DB(ctx).DB()
	require.NoError(t, err)
	conn, err := sqlDB.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	for _, q := range []string{
		"SELECT pg_advisory_lock(hashtextextended('customdata:namespace:acme__victim', 0))",
		"SELECT pg_advisory_lock(7166761325952853089)", // the old grants lock
	} {
		_, err := conn.ExecContext(ctx, q)
		require.NoError(t, err, "advisory locks are open to PUBLIC")
	}
	_, err = conn.ExecContext(ctx, "SELECT name FROM customdata_admin.lock FOR UPDATE")
	assert.ErrorIs(t, execErr(err), errPgDenied, "the lock rows are out of reach")

	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := m.Install(tctx, rwPlugin("victim", "acme__victim", nil))
	require.NoError(t, err, "install is not blocked")
	_, err = m.Open(tctx, "acme__victim", v.Keys.Read)
	require.NoError(t, err, "open is not blocked")
	_, err = m.RotateKeys(tctx, "acme__victim")
	require.NoError(t, err, "rotation is not blocked")
	_, err = namespace.NewManager(tctx, mustDSN(t, m))
	require.NoError(t, err, "a new Manager is not blocked")
}

// TestReadHandleCannotMakeLargeObjects: large objects and WAL messages are
// built-in functions PUBLIC could execute; the Manager revokes them.
func TestReadHandleCannotMakeLargeObjects(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__lo")
	for _, key := range []string{keys.Read, keys.ReadWrite} {
		h, err := m.Open(ctx, "acme__lo", key)
		require.NoError(t, err)
		sqlDB, err := h.DB(ctx).DB()
		require.NoError(t, err)
		for _, q := range []string{
			"SELECT lo_create(0)",
			"SELECT lo_creat(-1)",
			"SELECT lo_from_bytea(0, 'x')",
			"SELECT pg_logical_emit_message(false, 'p', 'x')",
		} {
			assert.ErrorIs(t, execSimple(sqlDB, q), errPgDenied, q)
		}
		var sneaky int64
		assert.Error(t, h.DB(ctx).Raw("SELECT lo_from_bytea(0, 'x')").Scan(&sneaky).Error)
	}
	var n int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM pg_largeobject_metadata").Scan(&n).Error)
	assert.Zero(t, n)
}

// TestKeyTableSequenceIsPrivate: the writer may use the sequences its
// inserts need, not the key table's (nextval, setval or reading it would
// tell or change how namespace_auth ids are given out).
func TestKeyTableSequenceIsPrivate(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__seq")
	for _, key := range []string{keys.Read, keys.ReadWrite} {
		h, err := m.Open(ctx, "acme__seq", key)
		require.NoError(t, err)
		sqlDB, err := h.DB(ctx).DB()
		require.NoError(t, err)
		for _, q := range []string{
			"SELECT nextval('acme__seq.namespace_auth_id_seq')",
			"SELECT setval('acme__seq.namespace_auth_id_seq', 100)",
			"SELECT last_value FROM acme__seq.namespace_auth_id_seq",
		} {
			assert.ErrorIs(t, execSimple(sqlDB, q), errPgDenied, q)
		}
	}
	rw, err := m.Open(ctx, "acme__seq", keys.ReadWrite)
	require.NoError(t, err)
	sqlDB, err := rw.DB(ctx).DB()
	require.NoError(t, err)
	assert.NoError(t, execSimple(sqlDB, "INSERT INTO acme__seq.attribute_hub (type, id) VALUES ('t', '1')"),
		"the writer still inserts through the attribute tables' sequences")
}

// TestRoleSettingsCannotPoisonThePool: a role may give itself settings
// (ALTER ROLE CURRENT_USER SET ...) that every later session would start
// with; new connections find and remove them.
func TestRoleSettingsCannotPoisonThePool(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__poison")
	rw, err := m.Open(ctx, "acme__poison", keys.ReadWrite)
	require.NoError(t, err)
	sqlDB, err := rw.DB(ctx).DB()
	require.NoError(t, err)
	require.NoError(t, execSimple(sqlDB, "ALTER ROLE CURRENT_USER SET default_transaction_read_only = on"))
	require.NoError(t, execSimple(sqlDB, "ALTER ROLE CURRENT_USER SET statement_timeout = '1ms'"))

	// A new connection of the same pool: hold the idle one first.
	held, err := sqlDB.Conn(ctx)
	require.NoError(t, err)
	require.NoError(t, rw.DB(ctx).Exec("INSERT INTO acme__poison.attribute_hub (type, id) VALUES ('a', '1')").Error)
	require.NoError(t, held.Close())

	// Another Manager's new pool.
	m2, err := namespace.NewManager(ctx, mustDSN(t, m))
	require.NoError(t, err)
	defer m2.Close()
	require.NoError(t, execSimple(sqlDB, "ALTER ROLE CURRENT_USER SET default_transaction_read_only = on"))
	rw2, err := m2.Open(ctx, "acme__poison", keys.ReadWrite)
	require.NoError(t, err)
	require.NoError(t, rw2.DB(ctx).Exec("INSERT INTO acme__poison.attribute_hub (type, id) VALUES ('a', '2')").Error)
	var readOnly string
	require.NoError(t, rw2.DB(ctx).Raw("SHOW default_transaction_read_only").Scan(&readOnly).Error)
	assert.Equal(t, "off", readOnly)
}

// TestTinyPlainTimeoutCannotPoisonThePool: a timeout a role gives itself
// as a plain number stricter than the Manager's would suit the settings
// check (another Manager's, configured so); under a second it is taken for
// a plugin's and reset before a new session is handed out (the check
// runs on the admin connection, so a timeout too short for any statement
// must be found by the check itself, not by its failing).
func TestTinyPlainTimeoutCannotPoisonThePool(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct{ set, show, want string }{
		{"statement_timeout = 1", "statement_timeout", "30s"},
		{"statement_timeout = 50", "statement_timeout", "30s"},
		{"lock_timeout = 1", "lock_timeout", "10s"},
		{"idle_in_transaction_session_timeout = 1", "idle_in_transaction_session_timeout", "1min"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			t.Parallel()
			m, _ := newManager(t)
			ns := fmt.Sprintf("acme__tiny%d", i)
			keys := create(t, m, ns)
			rw, err := m.Open(ctx, ns, keys.ReadWrite)
			require.NoError(t, err)
			sqlDB, err := rw.DB(ctx).DB()
			require.NoError(t, err)
			require.NoError(t, execSimple(sqlDB, "ALTER ROLE CURRENT_USER SET "+tc.set))

			m2, err := namespace.NewManager(ctx, mustDSN(t, m)) // a new pool: a new session
			require.NoError(t, err)
			defer m2.Close()
			rw2, err := m2.Open(ctx, ns, keys.ReadWrite)
			require.NoError(t, err)
			require.NoError(t, rw2.DB(ctx).Exec("SELECT pg_sleep(0.02)").Error, "a 20 ms statement runs")
			var got string
			require.NoError(t, rw2.DB(ctx).Raw("SHOW "+tc.show).Scan(&got).Error)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestRotateKeysRenewsRolePasswords: a role password a plugin read from its
// connection is as good as a key; rotation renews it and closes the handles.
func TestRotateKeysRenewsRolePasswords(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__rotate")
	h, err := m.Open(ctx, "acme__rotate", keys.ReadWrite)
	require.NoError(t, err)
	verifiers := func() []string {
		var v []string
		require.NoError(t, m.DB().Raw(`SELECT rolpassword FROM pg_authid a JOIN customdata_admin.role_credential c ON c.role_name = a.rolname
WHERE c.namespace = 'acme__rotate' ORDER BY a.rolname`).Scan(&v).Error)
		return v
	}
	before := verifiers()
	require.Len(t, before, 2)
	for _, v := range before {
		assert.Regexp(t, `^SCRAM-SHA-256\$4096:`, v, "only a SCRAM verifier reaches the server")
	}
	fresh, err := m.RotateKeys(ctx, "acme__rotate")
	require.NoError(t, err)
	after := verifiers()
	assert.NotEqual(t, before[0], after[0])
	assert.NotEqual(t, before[1], after[1])
	assert.ErrorIs(t, h.DB(ctx).Exec("SELECT 1").Error, namespace.ErrHandleClosed, "handles opened with an old key are closed")
	h2, err := m.Open(ctx, "acme__rotate", fresh.ReadWrite)
	require.NoError(t, err)
	assert.NoError(t, h2.DB(ctx).Exec("INSERT INTO acme__rotate.attribute_hub (type, id) VALUES ('a', 'b')").Error)
}

// TestRoleCommentsNameNoNamespace: every role can read role comments.
func TestRoleCommentsNameNoNamespace(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	create(t, m, "acme__secretive")
	var comments []string
	require.NoError(t, m.DB().Raw(`SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE starts_with(rolname, $1)`,
		"customdata_"+itoa(d.OID)+"_").Scan(&comments).Error)
	require.Len(t, comments, 2)
	for _, c := range comments {
		assert.NotContains(t, c, "secretive")
	}
}

func TestReadHandleCannotLeaveSettingsForItsLevel(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__rsettings")
	ro, err := m.Open(ctx, "acme__rsettings", keys.Read)
	require.NoError(t, err)
	sqlDB, err := ro.DB(ctx).DB()
	require.NoError(t, err)
	require.NoError(t, execSimple(sqlDB, "ALTER ROLE CURRENT_USER SET statement_timeout = '1ms'"))
	held, err := sqlDB.Conn(ctx)
	require.NoError(t, err)
	defer held.Close()
	var n int64
	require.NoError(t, ro.DB(ctx).Raw("SELECT count(*) FROM acme__rsettings.attribute_hub, pg_sleep(0.01)").Scan(&n).Error,
		"a new connection does not inherit the 1ms timeout")
	_ = manifest.Read
}

// TestInstallTakesBackLegacyPlatformGrants: a namespace installed by an
// earlier version has SELECT on public tables outside
// sdkmodel.PlatformTables (it granted every canvas_sdk_data_api_% table);
// the next install takes it back and keeps the listed tables readable.
func TestInstallTakesBackLegacyPlatformGrants(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	require.NoError(t, d.DB.Exec(`CREATE TABLE public.canvas_sdk_data_api_note_001 (dbid bigint PRIMARY KEY);
CREATE TABLE public.canvas_sdk_data_api_unlisted_001 (v text); INSERT INTO public.canvas_sdk_data_api_unlisted_001 VALUES ('x')`).Error)
	ns := "acme__legacy_grants"
	keys := create(t, m, ns)
	var roles []string
	require.NoError(t, d.DB.Raw("SELECT role_name FROM customdata_admin.role_credential WHERE namespace = ? ORDER BY 1", ns).Scan(&roles).Error)
	require.Len(t, roles, 2)
	// What the earlier version granted.
	require.NoError(t, d.DB.Exec(`GRANT SELECT ON public.canvas_sdk_data_api_unlisted_001 TO "`+roles[0]+`", "`+roles[1]+`"`).Error)
	h, err := m.Open(ctx, ns, keys.Read)
	require.NoError(t, err)
	defer h.Close()
	sqlDB, err := h.DB(ctx).DB()
	require.NoError(t, err)
	require.NoError(t, execSimple(sqlDB, "SELECT * FROM public.canvas_sdk_data_api_unlisted_001"), "precondition: the old grant works")

	_, err = m.Install(ctx, rwPlugin("again", ns, map[string]string{manifest.ReadWriteAccessKey: keys.ReadWrite}))
	require.NoError(t, err)
	for _, r := range roles {
		var unlisted, listed bool
		require.NoError(t, d.DB.Raw("SELECT has_table_privilege(?, 'public.canvas_sdk_data_api_unlisted_001', 'SELECT'), has_table_privilege(?, 'public.canvas_sdk_data_api_note_001', 'SELECT')", r, r).Row().Scan(&unlisted, &listed))
		assert.False(t, unlisted, r)
		assert.True(t, listed, r)
	}
	assert.ErrorIs(t, execSimple(sqlDB, "SELECT * FROM public.canvas_sdk_data_api_unlisted_001"), errPgDenied)
}
