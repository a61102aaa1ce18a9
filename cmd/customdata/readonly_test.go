package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// catalogSnapshot renders what a command could change in database d: its
// schemas, relations and their privileges, function privileges (lo_create's
// included), default privileges, large objects, the roles made for it, and
// extra, a query over data.
func catalogSnapshot(t *testing.T, d *testdb.Database, extra string) string {
	t.Helper()
	q := `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT 'schema ' || nspname || ' ' || coalesce(nspacl::text, '') FROM pg_namespace
  UNION ALL SELECT 'rel ' || c.oid::regclass::text || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '') FROM pg_class c
  UNION ALL SELECT 'proc ' || oid::regprocedure::text || ' ' || proacl::text FROM pg_proc WHERE proacl IS NOT NULL
  UNION ALL SELECT 'defacl ' || defaclrole::regrole::text || ' ' || defaclacl::text FROM pg_default_acl
  UNION ALL SELECT 'lo ' || count(*) FROM pg_largeobject_metadata
  UNION ALL SELECT 'role ' || rolname || ' ' || rolcanlogin FROM pg_roles WHERE starts_with(rolname, $1)
  UNION ALL SELECT 'db ' || coalesce(datacl::text, '') FROM pg_database WHERE datname = current_database()`
	if extra != "" {
		q += "\n  UNION ALL " + extra
	}
	q += "\n) s(x)"
	var snap string
	require.NoError(t, d.DB.Raw(q, pgrole.DatabasePrefix(d.OID)).Scan(&snap).Error)
	require.NotEmpty(t, snap)
	return snap
}

// The read-only commands change nothing in the database, whether it holds
// namespaces or not; the dry runs neither.
func TestReadOnlyCommandsChangeNothing(t *testing.T) {
	t.Parallel()
	t.Run("empty database", func(t *testing.T) {
		t.Parallel()
		d := testdb.New(t)
		before := catalogSnapshot(t, d, "")
		for _, args := range [][]string{{"namespace", "list"}, {"namespace", "list", "--json"}, {"namespace", "inspect", ns}} {
			runCmd(t, nil, append(args, "--database-url", d.DSN)...)
		}
		after := catalogSnapshot(t, d, "")
		assert.Equal(t, before, after)
		assert.NotContains(t, after, "schema customdata_admin", "list makes no bookkeeping schema")
	})
	t.Run("installed namespace", func(t *testing.T) {
		t.Parallel()
		in := install(t)
		data := "SELECT 'data ' || string_agg(k::text, ',' ORDER BY k::text) FROM (SELECT key_hash || access_level AS k FROM " +
			sqlident.Quote(ns, "namespace_auth") + " UNION ALL SELECT r::text FROM " + sqlident.Quote(ns, "room") + " r) z"
		before := catalogSnapshot(t, in.db, data)
		for _, args := range [][]string{
			{"list"}, {"list", "--json"}, {"inspect", ns}, {"inspect", ns, "--json"},
			{"rotate-keys", ns}, {"reset", ns}, {"drop", ns}, {"inspect", "acme__nothing"},
		} {
			r := in.cmd(t, args...)
			require.Contains(t, []int{exitOK, exitFailed}, r.code, "%v: %s", args, r.stderr)
		}
		r := runCmd(t, nil, "validate", "../../examples/hello-custom-data", "--json")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Equal(t, before, catalogSnapshot(t, in.db, data))
	})
	// The snapshot sees what the old list did: a bookkeeping schema and a
	// revoked lo_create. (Run by the Manager, not the CLI.)
	t.Run("the snapshot sees changes", func(t *testing.T) {
		t.Parallel()
		d := testdb.New(t)
		before := catalogSnapshot(t, d, "")
		require.NoError(t, d.DB.Exec("REVOKE EXECUTE ON FUNCTION pg_catalog.lo_create(oid) FROM PUBLIC").Error)
		assert.NotEqual(t, before, catalogSnapshot(t, d, ""))
	})
}
