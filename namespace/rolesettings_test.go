package namespace_test

import (
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// nonSuperuserDSN makes a login role with CREATEROLE (no superuser) that
// owns d's database and the Manager's private schema, and returns a DSN
// that connects as it.
func nonSuperuserDSN(t *testing.T, d *testdb.Database) string {
	t.Helper()
	var dbName string
	require.NoError(t, d.DB.Raw("SELECT current_database()").Scan(&dbName).Error)
	admin := "cdtest_admin_" + strings.ReplaceAll(dbName, "-", "_")
	srv, err := sql.Open("pgx", serverDSN(t))
	require.NoError(t, err)
	defer srv.Close()
	_, err = srv.ExecContext(ctx, `CREATE ROLE "`+admin+`" LOGIN CREATEROLE`)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = d.DB.Exec(`REASSIGN OWNED BY "` + admin + `" TO postgres; DROP OWNED BY "` + admin + `"`).Error
		srv, err := sql.Open("pgx", serverDSN(t))
		if err == nil {
			_, _ = srv.ExecContext(ctx, `DROP ROLE IF EXISTS "`+admin+`"`)
			_ = srv.Close()
		}
	})
	require.NoError(t, d.DB.Exec(`ALTER DATABASE "`+dbName+`" OWNER TO "`+admin+`"`).Error)
	require.NoError(t, d.DB.Exec(`ALTER SCHEMA customdata_admin OWNER TO "`+admin+`"; `+
		`ALTER TABLE customdata_admin.role_credential OWNER TO "`+admin+`"; ALTER TABLE customdata_admin.lock OWNER TO "`+admin+`"; `+
		`ALTER TABLE customdata_admin.setup OWNER TO "`+admin+`"`).Error)
	u, err := url.Parse(d.DSN)
	require.NoError(t, err)
	u.User = url.User(admin)
	return u.String()
}

// TestRoleSettingsSuitSuperuserAndOtherManagers: once a superuser Manager
// (the CLI run as postgres) has given the namespace roles their settings
// (temp_file_limit among them, which a Manager that is no superuser cannot
// reset), the non-superuser Manager that made the namespace, with a
// stricter statement timeout and connection limit, still opens working handles (new
// connections included), and neither Manager resets the other's settings
// for good: the stricter ones stay.
func TestRoleSettingsSuitSuperuserAndOtherManagers(t *testing.T) {
	t.Parallel()
	super, d := newManager(t)
	plain, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: nonSuperuserDSN(t, d),
		HandleLimits: namespace.HandleLimits{StatementTimeout: 20 * time.Second}, RoleConnectionLimit: 5})
	require.NoError(t, err)
	defer plain.Close()
	ns := "acme__mixed_admins"
	keys := create(t, plain, ns)
	settings := func() []string {
		var out []string
		require.NoError(t, d.DB.Raw(`SELECT x FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
JOIN customdata_admin.role_credential c ON c.role_name = r.rolname, unnest(s.setconfig) x
WHERE c.access_level = 'read_write' ORDER BY x`).Scan(&out).Error)
		return out
	}
	require.NotContains(t, settings(), "temp_file_limit=1048576")
	// The CLI, run as postgres, installs the namespace again: as a
	// superuser it adds temp_file_limit and its own (longer) timeout.
	_, err = super.Install(ctx, rwPlugin("cli", ns, map[string]string{manifest.ReadWriteAccessKey: keys.ReadWrite}))
	require.NoError(t, err)
	require.Contains(t, settings(), "temp_file_limit=1048576", "a superuser Manager sets temp_file_limit")
	var limits []int
	require.NoError(t, d.DB.Raw("SELECT rolconnlimit FROM pg_roles r JOIN customdata_admin.role_credential c ON c.role_name = r.rolname").Scan(&limits).Error)
	assert.Equal(t, []int{5, 5}, limits, "the stricter connection limit stays")

	for _, m := range []*namespace.Manager{plain, super, plain} {
		h, err := m.Open(ctx, ns, keys.ReadWrite)
		require.NoError(t, err)
		sqlDB, err := h.DB(ctx).DB()
		require.NoError(t, err)
		for i := range 3 {
			held, err := sqlDB.Conn(ctx) // the next statement needs a new connection
			require.NoError(t, err)
			require.NoError(t, held.PingContext(ctx))
			var n int64
			require.NoError(t, h.DB(ctx).Raw("SELECT count(*) FROM acme__mixed_admins.attribute_hub").Scan(&n).Error, "connection %d", i)
			require.NoError(t, held.Close())
		}
		h.Close()
	}
	assert.Equal(t, []string{"idle_in_transaction_session_timeout=60000", "lock_timeout=10000",
		"statement_timeout=20000", "temp_file_limit=1048576"}, settings(), "the stricter timeout stays")
}
