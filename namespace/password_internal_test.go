package namespace

import (
	"context"
	"database/sql/driver"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// The server the tests use trusts every local login, so these tests make
// the dial fail as password authentication would after a plugin changed its
// role's password (ALTER ROLE CURRENT_USER PASSWORD ...).

func newInternalManager(t *testing.T) (*Manager, *Keys) {
	t.Helper()
	ctx := context.Background()
	d := testdb.New(t)
	m, err := NewManager(ctx, d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	inst, err := m.Install(ctx, Plugin{Name: "p", CustomData: manifest.CustomData{Namespace: "acme__pw", Access: manifest.ReadWrite}})
	require.NoError(t, err)
	return m, inst.Keys
}

func storedPassword(t *testing.T, m *Manager, role string) string {
	t.Helper()
	var pw string
	require.NoError(t, m.admin.Raw("SELECT password FROM customdata_admin.role_credential WHERE role_name = $1", role).Scan(&pw).Error)
	return pw
}

// failFirstDials makes the next n dials fail with 28P01.
func failFirstDials(m *Manager, n int64) *atomic.Int64 {
	var dials atomic.Int64
	m.dial = func(ctx context.Context, cfg *pgx.ConnConfig) (driver.Conn, error) {
		if dials.Add(1) <= n {
			return nil, &pgconn.PgError{Severity: "FATAL", Code: "28P01", Message: "password authentication failed for user " + cfg.User}
		}
		return dialPgx(ctx, cfg)
	}
	return &dials
}

func TestOpenResetsAChangedPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, keys := newInternalManager(t)
	role := m.roleOf(poolKey{ns: "acme__pw", access: manifest.ReadWrite})
	before := storedPassword(t, m, role)

	dials := failFirstDials(m, 1)
	h, err := m.Open(ctx, "acme__pw", keys.ReadWrite)
	require.NoError(t, err)
	defer h.Close()
	assert.Equal(t, int64(2), dials.Load())
	assert.NotEqual(t, before, storedPassword(t, m, role), "the password was reset")
	var user string
	require.NoError(t, h.DB(ctx).Raw("SELECT current_user").Scan(&user).Error)
	assert.Equal(t, role, user)
}

// TestPoolRenewsPasswordOnLaterConnections: the password changes while a
// pool is open; its next new connection renews it.
func TestPoolRenewsPasswordOnLaterConnections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, keys := newInternalManager(t)
	h, err := m.Open(ctx, "acme__pw", keys.Read)
	require.NoError(t, err)
	defer h.Close()
	role := m.roleOf(poolKey{ns: "acme__pw", access: manifest.Read})
	before := storedPassword(t, m, role)

	dials := failFirstDials(m, 1)
	holdIdleConn(t, h)
	var one int
	require.NoError(t, h.DB(ctx).Raw("SELECT 1").Scan(&one).Error)
	assert.Equal(t, 1, one)
	assert.Equal(t, int64(2), dials.Load())
	assert.NotEqual(t, before, storedPassword(t, m, role))
}

// TestConnectorTakesAnotherManagersPassword: when another Manager already
// reset the password, the connector takes the stored one and resets nothing.
func TestConnectorTakesAnotherManagersPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, _ := newInternalManager(t)
	k := poolKey{ns: "acme__pw", access: manifest.ReadWrite}
	current := storedPassword(t, m, m.roleOf(k))
	c := &roleConnector{m: m, k: k, role: m.roleOf(k), password: "stale"}
	failFirstDials(m, 1)
	conn, err := c.Connect(ctx)
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, current, c.password)
	assert.Equal(t, current, storedPassword(t, m, m.roleOf(k)), "nothing was reset")
}

func TestConnectorGivesUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, _ := newInternalManager(t)
	k := poolKey{ns: "acme__pw", access: manifest.Read}
	c := &roleConnector{m: m, k: k, role: m.roleOf(k), password: storedPassword(t, m, m.roleOf(k))}
	failFirstDials(m, 100)
	_, err := c.Connect(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gave up after 3 attempts")
	var pgErr *pgconn.PgError
	assert.ErrorAs(t, err, &pgErr)
}

// TestRotationByAnotherManagerEndsOldHandles: after another Manager rotated
// the keys, a pool whose handles were opened with an old key may not log in
// again with the new password.
func TestRotationByAnotherManagerEndsOldHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m1, keys := newInternalManager(t)
	var dsn string
	require.NoError(t, m1.platform.Raw("SELECT current_database()").Scan(&dsn).Error)
	fullDSN, err := testdb.WithDatabase(serverDSNForTest(t), dsn)
	require.NoError(t, err)
	m2, err := NewManager(ctx, fullDSN)
	require.NoError(t, err)
	defer m2.Close()

	h, err := m2.Open(ctx, "acme__pw", keys.Read)
	require.NoError(t, err)
	_, err = m1.RotateKeys(ctx, "acme__pw")
	require.NoError(t, err)

	// m2's pool needs a new connection; the role's password changed, so the
	// login fails (simulated: this server trusts local logins).
	failFirstDials(m2, 1)
	holdIdleConn(t, h)
	var one int
	err = h.DB(ctx).Raw("SELECT 1").Scan(&one).Error
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrKeyInvalid)
	assert.Contains(t, err.Error(), "rotated")
}

func serverDSNForTest(t *testing.T) string {
	t.Helper()
	dsn, _, err := testdb.ServerDSN(context.Background())
	require.NoError(t, err)
	return dsn
}

// holdIdleConn holds h's pool's idle connection until the test ends, so the
// next query needs a new one.
func holdIdleConn(t *testing.T, h *Handle) {
	t.Helper()
	sqlDB, err := h.DB(context.Background()).DB()
	require.NoError(t, err)
	held, err := sqlDB.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = held.Close() })
}
