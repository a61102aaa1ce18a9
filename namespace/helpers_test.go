package namespace_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

var ctx = context.Background()

// newManager returns a Manager over a fresh database of its own.
func newManager(t *testing.T) (*namespace.Manager, *testdb.Database) {
	t.Helper()
	d := testdb.New(t)
	m, err := namespace.NewManager(ctx, d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m, d
}

func rwPlugin(name, ns string, secrets map[string]string) namespace.Plugin {
	return namespace.Plugin{Name: name, CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite}, Secrets: secrets}
}

func readPlugin(name, ns string, secrets map[string]string) namespace.Plugin {
	return namespace.Plugin{Name: name, CustomData: manifest.CustomData{Namespace: ns, Access: manifest.Read}, Secrets: secrets}
}

// create installs a new read_write namespace and returns its keys.
func create(t *testing.T, m *namespace.Manager, ns string) *namespace.Keys {
	t.Helper()
	inst, err := m.Install(ctx, rwPlugin("owner_"+ns, ns, nil))
	require.NoError(t, err)
	require.True(t, inst.Created)
	require.NotNil(t, inst.Keys)
	return inst.Keys
}

// snapshot is everything a refused operation must leave unchanged: every
// row of every namespace table, of the platform's tables (public) and of the
// Manager's own (customdata_admin, but for its lock rows), the schemas, the
// roles with their passwords and settings, the grants and large objects.
func snapshot(t *testing.T, admin *gorm.DB) string {
	t.Helper()
	var out string
	err := admin.Raw(`
WITH t AS (
  SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND (n.nspname LIKE '%\_\_%' OR n.nspname IN ('public', 'customdata_admin'))
    AND (n.nspname, c.relname) <> ('customdata_admin', 'lock')
)
SELECT coalesce(string_agg(format('%s.%s:%s', nspname, relname,
         query_to_xml(format('SELECT * FROM %I.%I ORDER BY 1', nspname, relname), false, false, '')::text), E'\n' ORDER BY nspname, relname), '')
  || E'\nschemas:' || (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace)
  || E'\nroles:' || (SELECT coalesce(string_agg(rolname, ',' ORDER BY rolname), '') FROM pg_roles
                      WHERE starts_with(rolname, 'customdata_' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '_'))
  || E'\nrole secrets:' || (SELECT coalesce(string_agg(format('%s=%s/%s', a.rolname, md5(coalesce(a.rolpassword, '')), s.setconfig), ',' ORDER BY a.rolname), '')
                      FROM pg_authid a LEFT JOIN pg_db_role_setting s ON s.setrole = a.oid
                      WHERE starts_with(a.rolname, 'customdata_' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '_'))
  || E'\nlarge objects:' || (SELECT count(*) FROM pg_largeobject_metadata)
  || E'\nacl:' || (SELECT coalesce(string_agg(format('%s.%s=%s', n.nspname, c.relname, c.relacl), ',' ORDER BY n.nspname, c.relname), '')
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast'))
FROM t`).Scan(&out).Error
	require.NoError(t, err)
	return out
}

// mustDSN returns the admin DSN of m's database.
func mustDSN(t *testing.T, m *namespace.Manager) string {
	t.Helper()
	var db string
	require.NoError(t, m.DB().Raw("SELECT current_database()").Scan(&db).Error)
	dsn, err := testdb.WithDatabase(serverDSN(t), db)
	require.NoError(t, err)
	return dsn
}

func serverDSN(t testing.TB) string {
	t.Helper()
	dsn, _, err := testdb.ServerDSN(ctx)
	require.NoError(t, err)
	return dsn
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// execErr maps PostgreSQL's insufficient_privilege to errPgDenied.
func execErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" {
		return errors.Join(errPgDenied, err)
	}
	return err
}
