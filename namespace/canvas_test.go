package namespace_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// CanvasThing is a Go plugin's model in the Canvas-layout tests.
type CanvasThing struct {
	custommodel.CustomModel
	Label *string `gorm:"index:thing_label"`
}

// canvasEnv is a database where the Canvas roles exist, under names of the
// test's own (roles are global to the server; parallel tests must not share
// them).
type canvasEnv struct {
	m              *namespace.Manager
	d              *testdb.Database
	sdk, reporting string
}

// newCanvasEnv makes the SDK role (and, with reporting, a reporting role),
// a fresh database and a Manager configured with those role names. The
// roles are dropped after the database.
func newCanvasEnv(t *testing.T, reporting bool) *canvasEnv {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	e := &canvasEnv{sdk: "cdtest_sdk_" + suffix, reporting: "cdtest_reporting_" + suffix}
	srv, err := sql.Open("pgx", serverDSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	roles := []string{e.sdk}
	if reporting {
		roles = append(roles, e.reporting)
	}
	for _, r := range roles {
		_, err := srv.ExecContext(ctx, "CREATE ROLE "+pgx.Identifier{r}.Sanitize()+" LOGIN")
		require.NoError(t, err)
	}
	// Registered before the database's cleanup, so it runs after it.
	t.Cleanup(func() {
		for _, r := range roles {
			_, _ = srv.ExecContext(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{r}.Sanitize())
		}
	})
	e.d = testdb.New(t)
	e.m, err = namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: e.d.DSN, SDKRole: e.sdk, ReportingRole: e.reporting})
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.m.Close() })
	return e
}

// install installs a read_write plugin with CanvasThing into ns (creating
// it) and returns its keys.
func (e *canvasEnv) install(t *testing.T, ns string) *namespace.Keys {
	t.Helper()
	p := rwPlugin("go_"+ns, ns, nil)
	p.Models = []any{&CanvasThing{}}
	inst, err := e.m.Install(ctx, p)
	require.NoError(t, err)
	require.True(t, inst.Created)
	return inst.Keys
}

// asSDK runs statements as the SDK role on one admin connection, as the
// Python runner's Django connection would (it logs in as that role).
func (e *canvasEnv) asSDK(t *testing.T, stmts ...string) error {
	t.Helper()
	sqlDB, err := e.d.DB.DB()
	require.NoError(t, err)
	conn, err := sqlDB.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET ROLE "+pgx.Identifier{e.sdk}.Sanitize()); err != nil {
		return err
	}
	defer func() { _, _ = conn.ExecContext(ctx, "RESET ROLE") }()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return execErr(err)
		}
	}
	return nil
}

func (e *canvasEnv) scalar(t *testing.T, q string, args ...any) string {
	t.Helper()
	var v string
	require.NoError(t, e.d.DB.Raw(q, args...).Scan(&v).Error)
	return v
}

// namespaceRoles returns the reader and writer role of ns.
func (e *canvasEnv) namespaceRoles(t *testing.T, ns string) (reader, writer string) {
	t.Helper()
	var rows []struct{ RoleName, AccessLevel string }
	require.NoError(t, e.d.DB.Raw("SELECT role_name, access_level FROM customdata_admin.role_credential WHERE namespace = ?", ns).Scan(&rows).Error)
	for _, r := range rows {
		if r.AccessLevel == string(manifest.Read) {
			reader = r.RoleName
		} else {
			writer = r.RoleName
		}
	}
	require.NotEmpty(t, reader)
	require.NotEmpty(t, writer)
	return reader, writer
}

// TestCanvasLayoutAsCanvasSetupMakesIt: where the SDK role exists, a Go
// namespace grants it what Canvas's setup grants, and hands it the tables
// Go made, so a Python install can extend them; the system tables stay the
// platform user's, and the reporting role reads everything.
func TestCanvasLayoutAsCanvasSetupMakesIt(t *testing.T) {
	t.Parallel()
	e := newCanvasEnv(t, true)
	ns := "acme__canvas_layout"
	e.install(t, ns)

	privs := []struct{ object, kind, priv, want string }{
		{ns, "schema", "USAGE, CREATE", "true"},
		{ns + ".namespace_auth", "table", "SELECT", "true"},
		{ns + ".namespace_auth", "table", "INSERT", "false"},
		{ns + ".schema_version", "table", "SELECT", "true"},
		{ns + ".schema_version", "table", "UPDATE", "false"},
		{ns + ".attribute_hub", "table", "SELECT, INSERT, UPDATE, DELETE", "true"},
		{ns + ".custom_attribute", "table", "SELECT, INSERT, UPDATE, DELETE", "true"},
		{ns + ".attribute_hub_dbid_seq", "sequence", "USAGE", "true"},
		{ns + ".custom_attribute_dbid_seq", "sequence", "USAGE", "true"},
	}
	for _, p := range privs {
		got := e.scalar(t, "SELECT has_"+p.kind+"_privilege(?, ?, ?)::text", e.sdk, p.object, p.priv)
		assert.Equal(t, p.want, got, "%s %s on %s", e.sdk, p.priv, p.object)
	}
	assert.Equal(t, e.sdk, e.scalar(t, "SELECT tableowner FROM pg_tables WHERE schemaname = ? AND tablename = 'canvasthing'", ns))
	assert.Equal(t, "postgres", e.scalar(t, "SELECT tableowner FROM pg_tables WHERE schemaname = ? AND tablename = 'namespace_auth'", ns))
	for _, tbl := range []string{"namespace_auth", "attribute_hub", "custom_attribute", "schema_version", "canvasthing"} {
		assert.Equal(t, "true", e.scalar(t, "SELECT has_table_privilege(?, ?, 'SELECT')::text", e.reporting, ns+"."+tbl), "reporting reads %s", tbl)
	}

	// The Python runner's DDL of the same model, as the SDK role: it
	// extends the table Go made and finds Go's indexes under its names.
	require.NoError(t, e.asSDK(t,
		"CREATE TABLE IF NOT EXISTS "+ns+".canvasthing (dbid bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY)",
		"ALTER TABLE "+ns+".canvasthing ADD COLUMN IF NOT EXISTS label text",
		"ALTER TABLE "+ns+".canvasthing ADD COLUMN IF NOT EXISTS extra text",
		"CREATE INDEX IF NOT EXISTS "+ns+"_canvasthing_thing_label ON "+ns+".canvasthing (label)",
		"INSERT INTO "+ns+".canvasthing (label, extra) VALUES ('from python', 'x')",
	))
	assert.Equal(t, "1", e.scalar(t, "SELECT count(*)::text FROM pg_indexes WHERE schemaname = ? AND tablename = 'canvasthing' AND indexdef LIKE '%(label)%'", ns),
		"one index on label: Python's IF NOT EXISTS found Go's by name")
}

// TestCanvasLayoutTablesPythonAddsLater: a table the SDK role creates after
// the install (a Python plugin's new model) is readable by the namespace's
// reader and writable by its writer at once, with no re-install, and the
// reader still writes nothing.
func TestCanvasLayoutTablesPythonAddsLater(t *testing.T) {
	t.Parallel()
	e := newCanvasEnv(t, false)
	ns := "acme__canvas_later"
	keys := e.install(t, ns)
	hr, err := e.m.Open(ctx, ns, keys.Read)
	require.NoError(t, err)
	defer hr.Close()
	hw, err := e.m.Open(ctx, ns, keys.ReadWrite)
	require.NoError(t, err)
	defer hw.Close()
	rdb, err := hr.DB(ctx).DB()
	require.NoError(t, err)
	wdb, err := hw.DB(ctx).DB()
	require.NoError(t, err)

	require.NoError(t, e.asSDK(t,
		"CREATE TABLE IF NOT EXISTS "+ns+".pylate (dbid bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY)",
		"ALTER TABLE "+ns+".pylate ADD COLUMN IF NOT EXISTS note text",
		"INSERT INTO "+ns+".pylate (note) VALUES ('late')"))

	require.NoError(t, execSimple(wdb, "INSERT INTO "+ns+".pylate (note) VALUES ('from go')"), "the writer writes the new table")
	var n int
	require.NoError(t, rdb.QueryRowContext(ctx, "SELECT count(*) FROM "+ns+".pylate").Scan(&n), "the reader reads it")
	assert.Equal(t, 2, n)
	for _, q := range []string{
		"INSERT INTO " + ns + ".pylate (note) VALUES ('no')",
		"UPDATE " + ns + ".pylate SET note = 'no'",
		"DELETE FROM " + ns + ".pylate",
		"TRUNCATE " + ns + ".pylate",
		"ALTER TABLE " + ns + ".pylate ADD COLUMN sneaky text",
		"SET ROLE " + pgx.Identifier{e.sdk}.Sanitize(),
		"INSERT INTO " + ns + ".canvasthing (label) VALUES ('no')",
	} {
		assert.ErrorIs(t, execSimple(rdb, q), errPgDenied, "the reader may not: %s", q)
	}
	for _, q := range []string{
		"ALTER TABLE " + ns + ".pylate ADD COLUMN sneaky text",
		"DROP TABLE " + ns + ".pylate",
		"SET ROLE " + pgx.Identifier{e.sdk}.Sanitize(),
	} {
		assert.ErrorIs(t, execSimple(wdb, q), errPgDenied, "the writer may not: %s", q)
	}
}

// TestCanvasLayoutKeepsNamespacesApart: nothing granted for Canvas's layout
// lets a namespace's roles reach another namespace (its tables, those the
// SDK role adds later, its schema), nor makes them members of the SDK
// role; default privileges name only the namespace's own roles.
func TestCanvasLayoutKeepsNamespacesApart(t *testing.T) {
	t.Parallel()
	e := newCanvasEnv(t, true)
	a, b := "acme__canvas_a", "acme__canvas_b"
	ka := e.install(t, a)
	e.install(t, b)
	require.NoError(t, e.asSDK(t,
		"CREATE TABLE "+b+".pylate (dbid bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, note text)",
		"INSERT INTO "+b+".pylate (note) VALUES ('b only')",
		"CREATE TABLE "+a+".pylate (dbid bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, note text)"))

	readerA, writerA := e.namespaceRoles(t, a)
	readerB, writerB := e.namespaceRoles(t, b)
	for _, r := range []string{readerA, writerA, readerB, writerB} {
		assert.Equal(t, "false", e.scalar(t, "SELECT pg_has_role(?, ?, 'MEMBER')::text", r, e.sdk), "%s is no member of the SDK role", r)
		assert.Equal(t, "false", e.scalar(t, "SELECT pg_has_role(?, ?, 'MEMBER')::text", r, e.reporting), "%s is no member of reporting", r)
	}
	// Every privilege of A's roles on anything in B: none.
	var reach []string
	require.NoError(t, e.d.DB.Raw(`
SELECT format('%s: %s.%s', r, c.relname, c.relkind) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
  unnest(ARRAY[?, ?]::text[]) r
WHERE n.nspname = ? AND c.relkind IN ('r', 'S', 'v', 'm', 'p') AND (
  has_table_privilege(r, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
  OR (c.relkind = 'S' AND has_sequence_privilege(r, c.oid, 'USAGE, SELECT, UPDATE')))
UNION ALL
SELECT format('%s: schema', r) FROM unnest(ARRAY[?, ?]::text[]) r WHERE has_schema_privilege(r, ?, 'USAGE, CREATE')`,
		readerA, writerA, b, readerA, writerA, b).Scan(&reach).Error)
	assert.Empty(t, reach, "namespace A's roles reach nothing of namespace B")
	// Default privileges in each schema name only that namespace's roles
	// (and reporting).
	var acl []struct{ Nspname, Grantee string }
	require.NoError(t, e.d.DB.Raw(`
SELECT n.nspname, a.grantee::regrole::text AS grantee FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace,
  aclexplode(d.defaclacl) a WHERE n.nspname IN (?, ?) ORDER BY 1, 2`, a, b).Scan(&acl).Error)
	require.NotEmpty(t, acl)
	for _, x := range acl {
		own := map[string][]string{a: {readerA, writerA, e.reporting}, b: {readerB, writerB, e.reporting}}[x.Nspname]
		assert.Contains(t, own, strings.Trim(x.Grantee, `"`), "default privilege in %s", x.Nspname)
	}

	// And through A's handles, as plugin code would try it.
	for _, key := range []string{ka.Read, ka.ReadWrite} {
		h, err := e.m.Open(ctx, a, key)
		require.NoError(t, err)
		db, err := h.DB(ctx).DB()
		require.NoError(t, err)
		for _, q := range []string{
			"SELECT * FROM " + b + ".pylate",
			"SELECT * FROM " + b + ".canvasthing",
			"SELECT * FROM " + b + ".attribute_hub",
			"INSERT INTO " + b + ".pylate (note) VALUES ('x')",
			"SET ROLE " + pgx.Identifier{e.sdk}.Sanitize(),
			"SET ROLE " + pgx.Identifier{e.reporting}.Sanitize(),
		} {
			assert.ErrorIs(t, execSimple(db, q), errPgDenied, "%s handle of %s: %s", h.Access(), a, q)
		}
		require.NoError(t, h.Close())
	}
}

// TestInstallSignalsReadinessAsCanvas: a read_write install writes the
// plugin's schema_version row and sends NOTIFY ns_ready_<namespace> with
// payload "<plugin>:<models_hash>" when it commits, as Canvas's runner does
// (its waiting containers LISTEN there), unchanged models included.
func TestInstallSignalsReadinessAsCanvas(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	ns := "acme__ready"
	conn, err := pgx.Connect(ctx, d.DSN)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "LISTEN ns_ready_"+ns)
	require.NoError(t, err)

	p := rwPlugin("ready_plugin", ns, nil)
	p.Models = []any{&CanvasThing{}}
	for _, run := range []string{"first install", "unchanged re-install"} {
		inst, err := m.Install(ctx, p)
		require.NoError(t, err, run)
		if inst.Created {
			p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}
		}
		wait, cancel := context.WithTimeout(ctx, time.Minute)
		n, err := conn.WaitForNotification(wait)
		cancel()
		require.NoError(t, err, run)
		var hash string
		require.NoError(t, d.DB.Raw("SELECT models_hash FROM "+ns+".schema_version WHERE plugin_name = 'ready_plugin'").Scan(&hash).Error)
		assert.Len(t, hash, 64)
		assert.Equal(t, "ns_ready_"+ns, n.Channel, run)
		assert.Equal(t, "ready_plugin:"+hash, n.Payload, run)
	}
}

// TestNonSuperuserPlatformUserActsAsSDKRole: a platform user that is no
// superuser (CREATEROLE, owner of the database) installs Go models into a
// namespace whose tables the SDK role owns (made by the Python runner):
// the Manager makes it a member of the SDK role, and Reset and the install
// (DDL, grants on the role's sequences) succeed.
func TestNonSuperuserPlatformUserActsAsSDKRole(t *testing.T) {
	t.Parallel()
	e := newCanvasEnv(t, false)
	admin := "cdtest_admin_" + strings.TrimPrefix(e.sdk, "cdtest_sdk_")
	srv, err := sql.Open("pgx", serverDSN(t))
	require.NoError(t, err)
	defer srv.Close()
	_, err = srv.ExecContext(ctx, "CREATE ROLE "+admin+" LOGIN CREATEROLE")
	require.NoError(t, err)
	t.Cleanup(func() {
		// Before the database goes: the role owns it.
		_ = e.d.DB.Exec("REASSIGN OWNED BY " + admin + " TO postgres; DROP OWNED BY " + admin).Error
		_, _ = srv.ExecContext(ctx, "DROP ROLE IF EXISTS "+admin)
	})
	var dbName string
	require.NoError(t, e.d.DB.Raw("SELECT current_database()").Scan(&dbName).Error)
	// What the Python runner makes: the namespace by the platform user,
	// the model tables by the SDK role.
	ns := "acme__py_made"
	require.NoError(t, e.d.DB.Exec("ALTER DATABASE "+dbName+" OWNER TO "+admin).Error)
	require.NoError(t, e.d.DB.Exec("ALTER SCHEMA customdata_admin OWNER TO "+admin+"; "+
		"ALTER TABLE customdata_admin.role_credential OWNER TO "+admin+"; ALTER TABLE customdata_admin.lock OWNER TO "+admin+"; "+
		"ALTER TABLE customdata_admin.setup OWNER TO "+admin).Error)
	u, err := url.Parse(e.d.DSN)
	require.NoError(t, err)
	u.User = url.User(admin)
	// The namespace, made by a Manager that knows no SDK role (as the
	// runner's init SQL would make it), then a table of the SDK role's.
	m0, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: u.String(), SDKRole: e.sdk + "_absent"})
	require.NoError(t, err)
	defer m0.Close()
	inst, err := m0.Install(ctx, rwPlugin("py_maker", ns, nil))
	require.NoError(t, err)
	require.NoError(t, e.d.DB.Exec("GRANT USAGE, CREATE ON SCHEMA "+ns+" TO "+e.sdk).Error)
	require.NoError(t, e.asSDK(t, "CREATE TABLE "+ns+".canvasthing (dbid bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, label text)"))
	require.Equal(t, "false", e.scalar(t, "SELECT pg_has_role(?, ?, 'MEMBER')::text", admin, e.sdk))

	m, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: u.String(), SDKRole: e.sdk})
	require.NoError(t, err)
	defer m.Close()
	// Reset drops the SDK role's table too.
	_, err = m.Reset(ctx, ns, namespace.DestructiveOptions{Apply: true})
	require.NoError(t, err)
	require.Equal(t, "0", e.scalar(t, "SELECT count(*)::text FROM pg_tables WHERE schemaname = ? AND tablename = 'canvasthing'", ns))
	require.NoError(t, e.asSDK(t, "CREATE TABLE "+ns+".canvasthing (dbid bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, label text)"))

	p := rwPlugin("go_joiner", ns, map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite})
	p.Models = []any{&CanvasThing{}}
	_, err = m.Install(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, "true", e.scalar(t, "SELECT pg_has_role(?, ?, 'USAGE')::text", admin, e.sdk))
	h, err := m.Open(ctx, ns, inst.Keys.ReadWrite)
	require.NoError(t, err)
	defer h.Close()
	label := "go"
	require.NoError(t, h.DB(ctx).Create(&CanvasThing{Label: &label}).Error, "the writer inserts through the SDK role's sequence")
}

// TestInstallMovesLegacyIndexNames: a namespace an earlier version made
// (custom_attribute's indexes under Go's old names) gets Canvas's names on
// the next read_write install, each index once.
func TestInstallMovesLegacyIndexNames(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	ns := "acme__legacy"
	keys := create(t, m, ns)
	// Back to what the earlier version made.
	require.NoError(t, d.DB.Exec(`DROP INDEX acme__legacy.custom_attribute_dbid_idx;
ALTER INDEX acme__legacy.custom_attribute_text_idx RENAME TO custom_attribute_text_value_idx;
ALTER INDEX acme__legacy.custom_attribute_date_idx RENAME TO custom_attribute_date_value_idx;
ALTER INDEX acme__legacy.custom_attribute_timestamp_idx RENAME TO custom_attribute_timestamp_value_idx;
ALTER INDEX acme__legacy.custom_attribute_int_idx RENAME TO custom_attribute_int_value_idx;
ALTER INDEX acme__legacy.custom_attribute_decimal_idx RENAME TO custom_attribute_decimal_value_idx;
ALTER INDEX acme__legacy.custom_attribute_bool_idx RENAME TO custom_attribute_bool_value_idx;
DROP INDEX acme__legacy.custom_attribute_json_idx;
CREATE INDEX custom_attribute_json_value_gin ON acme__legacy.custom_attribute USING gin (json_value)`).Error)

	_, err := m.Install(ctx, rwPlugin("later", ns, map[string]string{manifest.ReadWriteAccessKey: keys.ReadWrite}))
	require.NoError(t, err)
	var names []string
	require.NoError(t, d.DB.Raw("SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'custom_attribute' ORDER BY 1", ns).Scan(&names).Error)
	assert.Equal(t, []string{
		"custom_attribute_bool_idx", "custom_attribute_date_idx", "custom_attribute_dbid_idx", "custom_attribute_decimal_idx",
		"custom_attribute_int_idx", "custom_attribute_json_idx", "custom_attribute_pkey", "custom_attribute_text_idx", "custom_attribute_timestamp_idx",
	}, names)
}

// TestInstallRenamesLegacyModelIndexes: a model's indexes made under the
// names of an earlier version get their Canvas names on the next install
// (renamed when only the old one exists, dropped when the Canvas-named one
// exists too), so no index exists twice.
func TestInstallRenamesLegacyModelIndexes(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	ns := "acme__legacy_models"
	p := rwPlugin("legacy_models", ns, nil)
	p.Models = []any{&CanvasThing{}}
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	indexes := func() []string {
		var names []string
		require.NoError(t, d.DB.Raw("SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'canvasthing' ORDER BY 1", ns).Scan(&names).Error)
		return names
	}
	want := []string{"acme__legacy_models_canvasthing_thing_label", "canvasthing_pkey"}
	require.Equal(t, want, indexes())

	// What the earlier version left: the old name, then both names.
	for _, setup := range []string{
		"ALTER INDEX acme__legacy_models.acme__legacy_models_canvasthing_thing_label RENAME TO canvasthing_thing_label_idx",
		"CREATE INDEX canvasthing_thing_label_idx ON acme__legacy_models.canvasthing (label)",
	} {
		require.NoError(t, d.DB.Exec(setup).Error)
		require.NoError(t, d.DB.Exec("DELETE FROM acme__legacy_models.schema_version").Error, "as if the models' DDL had changed")
		p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}
		_, err = m.Install(ctx, p)
		require.NoError(t, err, setup)
		assert.Equal(t, want, indexes(), setup)
	}
}

// TestInstallLeavesOtherTablesIndexesAlone: an index of another table that
// happens to carry a model index's old name is neither renamed nor
// dropped by the model's install.
func TestInstallLeavesOtherTablesIndexesAlone(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	ns := "acme__legacy_others"
	p := rwPlugin("legacy_others", ns, nil)
	p.Models = []any{&CanvasThing{}}
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}
	indexes := func() []string {
		var names []string
		require.NoError(t, d.DB.Raw("SELECT tablename || '.' || indexname FROM pg_indexes WHERE schemaname = ? AND tablename IN ('canvasthing', 'otherthing') ORDER BY 1", ns).Scan(&names).Error)
		return names
	}
	require.NoError(t, d.DB.Exec("CREATE TABLE acme__legacy_others.otherthing (label text)").Error)
	for _, setup := range []string{
		// the old name on another table, the model's index under its new name
		"CREATE INDEX canvasthing_thing_label_idx ON acme__legacy_others.otherthing (label)",
		// the old name on another table, no index of the model's
		"DROP INDEX acme__legacy_others.acme__legacy_others_canvasthing_thing_label",
	} {
		require.NoError(t, d.DB.Exec(setup).Error)
		require.NoError(t, d.DB.Exec("DELETE FROM acme__legacy_others.schema_version").Error, "as if the models' DDL had changed")
		_, err = m.Install(ctx, p)
		require.NoError(t, err, setup)
		assert.Equal(t, []string{"canvasthing.acme__legacy_others_canvasthing_thing_label", "canvasthing.canvasthing_pkey",
			"otherthing.canvasthing_thing_label_idx"}, indexes(), setup)
	}
}
