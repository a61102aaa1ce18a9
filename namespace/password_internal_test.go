package namespace

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// TestOpenResetsAChangedPassword: a role may change its own password, which
// would lock every later pool of its namespace out. Open resets it.
func TestOpenResetsAChangedPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	m, err := NewManager(ctx, d.DSN)
	require.NoError(t, err)
	defer m.Close()
	inst, err := m.Install(ctx, Plugin{Name: "p", CustomData: manifest.CustomData{Namespace: "acme__pw", Access: manifest.ReadWrite}})
	require.NoError(t, err)

	var stored string
	q := "SELECT password FROM customdata_admin.role_credential WHERE role_name = $1"
	role := m.roleOf(poolKey{ns: "acme__pw", access: manifest.ReadWrite})
	require.NoError(t, m.DB().Raw(q, role).Scan(&stored).Error)

	// The server here trusts every local login, so simulate what password
	// authentication would answer after a plugin changed the password.
	attempts := 0
	m.connect = func(ctx context.Context, k poolKey, role, password string) (*pool, error) {
		attempts++
		if attempts == 1 {
			return nil, &pgconn.PgError{Code: "28P01", Message: "password authentication failed"}
		}
		return m.connectPool(ctx, k, role, password)
	}
	h, err := m.Open(ctx, "acme__pw", inst.Keys.ReadWrite)
	require.NoError(t, err)
	defer h.Close()
	assert.Equal(t, 2, attempts)
	var now string
	require.NoError(t, m.DB().Raw(q, role).Scan(&now).Error)
	assert.NotEqual(t, stored, now, "the password was reset")
	var user string
	require.NoError(t, h.DB(ctx).Raw("SELECT current_user").Scan(&user).Error)
	assert.Equal(t, role, user)
}
