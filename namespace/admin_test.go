package namespace_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

func TestListAndInspect(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	create(t, m, "acme__one")
	create(t, m, "acme__two")
	require.NoError(t, m.DB().Exec("CREATE TABLE acme__two.room (dbid bigint PRIMARY KEY, name text); INSERT INTO acme__two.room SELECT g, 'r' FROM generate_series(1, 50) g").Error)
	// Estimates from ANALYZE, not from statistics the server flushes when
	// it gets to it: 2 keys and 1 schema_version row per namespace.
	require.NoError(t, m.DB().Exec("ANALYZE").Error)

	list, err := m.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, namespace.Summary{Name: "acme__one", Tables: 4, CustomTables: 0, RowEstimate: 3, Keys: 2}, list[0])
	assert.Equal(t, "acme__two", list[1].Name)
	assert.Equal(t, 1, list[1].CustomTables)
	assert.Equal(t, int64(53), list[1].RowEstimate)

	in, err := m.Inspect(ctx, "acme__two")
	require.NoError(t, err)
	var names []string
	for _, tb := range in.Tables {
		names = append(names, tb.Name)
		if tb.Name == "room" {
			assert.False(t, tb.System)
			assert.Equal(t, []namespace.ColumnInfo{{Name: "dbid", Type: "bigint", Nullable: false}, {Name: "name", Type: "text", Nullable: true}}, tb.Columns)
		}
		if tb.Name == "custom_attribute" {
			assert.True(t, tb.System)
			assert.Contains(t, tb.Columns, namespace.ColumnInfo{Name: "decimal_value", Type: "numeric(20,10)", Nullable: true})
		}
	}
	assert.Equal(t, []string{"attribute_hub", "custom_attribute", "namespace_auth", "room", "schema_version"}, names)

	_, err = m.Inspect(ctx, "acme__nowhere")
	assert.ErrorIs(t, err, namespace.ErrNamespaceNotFound)
}

func TestResetDryRunThenApply(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__reset")
	require.NoError(t, m.DB().Exec(`CREATE TABLE acme__reset.room (dbid bigint PRIMARY KEY);
INSERT INTO acme__reset.attribute_hub (type, id) VALUES ('a', 'b');
INSERT INTO acme__reset.custom_attribute (hub_id, name, text_value) SELECT dbid, 'n', 'v' FROM acme__reset.attribute_hub`).Error)

	before := snapshot(t, m.DB())
	plan, err := m.Reset(ctx, "acme__reset", namespace.DestructiveOptions{})
	require.NoError(t, err)
	assert.False(t, plan.Applied)
	assert.Contains(t, plan.Statements, `DROP TABLE "acme__reset"."room" CASCADE`)
	assert.Equal(t, before, snapshot(t, m.DB()), "a dry run changes nothing")

	plan, err = m.Reset(ctx, "acme__reset", namespace.DestructiveOptions{Apply: true})
	require.NoError(t, err)
	assert.True(t, plan.Applied)
	in, err := m.Inspect(ctx, "acme__reset")
	require.NoError(t, err)
	assert.Len(t, in.Tables, 4, "only the system tables are left")
	var hubs int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM acme__reset.attribute_hub").Scan(&hubs).Error)
	assert.Zero(t, hubs)
	_, err = m.Open(ctx, "acme__reset", keys.ReadWrite)
	assert.NoError(t, err, "keys survive a reset")
}

func TestDropDryRunThenApply(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__drop")
	create(t, m, "acme__stay")
	h, err := m.Open(ctx, "acme__drop", keys.ReadWrite)
	require.NoError(t, err)

	before := snapshot(t, m.DB())
	plan, err := m.Drop(ctx, "acme__drop", namespace.DestructiveOptions{})
	require.NoError(t, err)
	assert.False(t, plan.Applied)
	assert.Equal(t, `DROP SCHEMA "acme__drop" CASCADE`, plan.Statements[0])
	assert.Equal(t, before, snapshot(t, m.DB()))

	_, err = m.Drop(ctx, "acme__drop", namespace.DestructiveOptions{Apply: true})
	require.NoError(t, err)
	var schemas, roles int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM pg_namespace WHERE nspname = 'acme__drop'").Scan(&schemas).Error)
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM pg_roles WHERE starts_with(rolname, $1)", pgrole.DatabasePrefix(d.OID)).Scan(&roles).Error)
	assert.Zero(t, schemas)
	assert.Equal(t, 2, roles, "only acme__stay's roles remain")
	_, err = m.Open(ctx, "acme__drop", keys.ReadWrite)
	assert.ErrorIs(t, err, namespace.ErrNamespaceNotFound)
	assert.ErrorIs(t, h.DB(ctx).Exec("SELECT 1").Error, namespace.ErrHandleClosed, "a dropped namespace's handles stop working")

	_, err = m.Drop(ctx, "acme__drop", namespace.DestructiveOptions{Apply: true})
	assert.ErrorIs(t, err, namespace.ErrNamespaceNotFound)
}

func TestAddKeyAndRotate(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__keys")
	extra, err := m.AddKey(ctx, "acme__keys", manifest.Read, "for the reporting plugin")
	require.NoError(t, err)
	h, err := m.Open(ctx, "acme__keys", extra)
	require.NoError(t, err)
	assert.Equal(t, manifest.Read, h.Access())
	_, err = m.AddKey(ctx, "acme__keys", "admin", "")
	assert.ErrorIs(t, err, namespace.ErrInvalidPlugin)

	fresh, err := m.RotateKeys(ctx, "acme__keys")
	require.NoError(t, err)
	for _, old := range []string{keys.Read, keys.ReadWrite, extra} {
		_, err := m.Open(ctx, "acme__keys", old)
		assert.ErrorIs(t, err, namespace.ErrKeyInvalid)
	}
	h, err = m.Open(ctx, "acme__keys", fresh.ReadWrite)
	require.NoError(t, err)
	assert.Equal(t, manifest.ReadWrite, h.Access())
}

func TestOpenGivesRolesToNamespaceMadeElsewhere(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__python")
	// As if the Python SDK had made the namespace: no roles of ours.
	require.NoError(t, m.DB().Exec("DELETE FROM customdata_admin.role_credential").Error)
	var roles []string
	require.NoError(t, m.DB().Raw("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", pgrole.DatabasePrefix(d.OID)).Scan(&roles).Error)
	for _, r := range roles {
		require.NoError(t, m.DB().Exec(`DROP OWNED BY "`+r+`"; DROP ROLE "`+r+`"`).Error)
	}
	h, err := m.Open(ctx, "acme__python", keys.Read)
	require.NoError(t, err)
	var n int64
	require.NoError(t, h.DB(ctx).Table("acme__python.attribute_hub").Count(&n).Error)
	assert.ErrorIs(t, h.DB(ctx).Exec("DELETE FROM acme__python.attribute_hub").Error, namespace.ErrWriteDenied)
}

func TestUninstallKeepsData(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	type Room struct {
		custommodel.CustomModel
		Name string
	}
	p := rwPlugin("rooms", "acme__uninstall", nil)
	p.Models = []any{&Room{}}
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	require.NoError(t, m.DB().Exec("INSERT INTO acme__uninstall.room (name) VALUES ('Blue')").Error)

	require.NoError(t, m.Uninstall(ctx, "acme__uninstall", "rooms"))
	var rows, versions int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM acme__uninstall.room").Scan(&rows).Error)
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM acme__uninstall.schema_version").Scan(&versions).Error)
	assert.Equal(t, 1, rows, "data stays")
	assert.Zero(t, versions)

	p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}
	again, err := m.Install(ctx, p)
	require.NoError(t, err)
	assert.NotEmpty(t, again.DDL, "a reinstall after uninstall runs the DDL again")
	assert.ErrorIs(t, m.Uninstall(ctx, "acme__nowhere", "rooms"), namespace.ErrNamespaceNotFound)
}

func TestDropOrphanRoles(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	create(t, m, "acme__kept")
	create(t, m, "acme__lost")
	// A schema dropped behind the SDK's back, and a role of a database that
	// no longer exists.
	require.NoError(t, m.DB().Exec("DROP SCHEMA acme__lost CASCADE").Error)
	ghost := pgrole.Prefix + "4000000000_0123456789abcdef_r"
	require.NoError(t, m.DB().Exec(`CREATE ROLE "`+ghost+`"`).Error)
	t.Cleanup(func() { m.DB().Exec(`DROP ROLE IF EXISTS "` + ghost + `"`) })
	// A role someone made by hand, under the same prefix: not ours.
	human := pgrole.Prefix + "4000000000_ro"
	require.NoError(t, m.DB().Exec(`CREATE ROLE "`+human+`"`).Error)
	t.Cleanup(func() { m.DB().Exec(`DROP ROLE IF EXISTS "` + human + `"`) })

	dropped, err := m.DropOrphanRoles(ctx)
	require.NoError(t, err)
	assert.Contains(t, dropped, ghost)
	var left []string
	require.NoError(t, m.DB().Raw("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname", pgrole.DatabasePrefix(d.OID)).Scan(&left).Error)
	assert.Len(t, left, 2, "only acme__kept's roles remain")
	var ghosts int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM pg_roles WHERE rolname = $1", ghost).Scan(&ghosts).Error)
	assert.Zero(t, ghosts)
	assert.NotContains(t, dropped, human)
	var humans int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM pg_roles WHERE rolname = $1", human).Scan(&humans).Error)
	assert.Equal(t, 1, humans, "a role whose name is not one the SDK makes is left alone")
}
