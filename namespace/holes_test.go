package namespace_test

// Tests of issue 10's namespace holes: isolation that holds against a
// hostile plugin.

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
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
	_, err = m2.Install(ctx, readPlugin("later", "acme__limits", map[string]string{"namespace_read_access_key": keys.Read}))
	require.NoError(t, err)
	require.NoError(t, d.DB.Raw("SELECT rolconnlimit FROM pg_roles r JOIN customdata_admin.role_credential c ON c.role_name = r.rolname ORDER BY 1").Scan(&limits).Error)
	assert.Equal(t, []int{7, 7}, limits)
}
