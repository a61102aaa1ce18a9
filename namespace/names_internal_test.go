package namespace

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// countStatements counts every statement db sends from now on.
func countStatements(t *testing.T, db *gorm.DB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	fn := func(*gorm.DB) { n.Add(1) }
	cb := db.Callback()
	require.NoError(t, cb.Query().Before("*").Register("test:count_query", fn))
	require.NoError(t, cb.Raw().Before("*").Register("test:count_raw", fn))
	require.NoError(t, cb.Row().Before("*").Register("test:count_row", fn))
	require.NoError(t, cb.Create().Before("*").Register("test:count_create", fn))
	return &n
}

func TestInvalidNamesRefusedBeforeAnySQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	m, err := NewManager(ctx, d.DSN)
	require.NoError(t, err)
	defer m.Close()
	admin, platform := countStatements(t, m.admin), countStatements(t, m.platform)

	names := []string{
		`acme__x"; DROP SCHEMA public CASCADE; --`,
		`acme__x'; DROP TABLE t; --`,
		"acme__x; select 1",
		"public",
		"pg_catalog",
		"",
		"acme__" + strings.Repeat("x", 60),
	}
	for _, name := range names {
		_, err := m.Install(ctx, Plugin{Name: "p", CustomData: manifest.CustomData{Namespace: name, Access: manifest.ReadWrite}})
		assert.ErrorIs(t, err, ErrInvalidNamespace, name)
		_, err = m.Open(ctx, name, "key")
		assert.ErrorIs(t, err, ErrInvalidNamespace, name)
		_, err = m.Inspect(ctx, name)
		assert.ErrorIs(t, err, ErrInvalidNamespace, name)
		_, err = m.Drop(ctx, name, DestructiveOptions{Apply: true})
		assert.ErrorIs(t, err, ErrInvalidNamespace, name)
		_, err = m.Reset(ctx, name, DestructiveOptions{Apply: true})
		assert.ErrorIs(t, err, ErrInvalidNamespace, name)
		_, err = m.RotateKeys(ctx, name)
		assert.ErrorIs(t, err, ErrInvalidNamespace, name)
		_, err = m.AddKey(ctx, name, manifest.Read, "")
		assert.ErrorIs(t, err, ErrInvalidNamespace, name)
		assert.ErrorIs(t, m.Uninstall(ctx, name, "p"), ErrInvalidNamespace, name)
	}
	assert.Zero(t, admin.Load()+platform.Load(), "no SQL may run for an invalid name")

	// The counter does count: a valid name reaches the database.
	_, err = m.Inspect(ctx, "acme__valid")
	assert.ErrorIs(t, err, ErrNamespaceNotFound)
	assert.NotZero(t, admin.Load())
}

// TestFirstOpenStatements: the first Open of a namespace (no pool yet)
// checks the key and reads the role's password on the admin connection;
// the pool's first connection then logs in, and the admin checks the
// role's settings: three statements on the admin connection.
func TestFirstOpenStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	m, err := NewManager(ctx, d.DSN)
	require.NoError(t, err)
	defer m.Close()
	inst, err := m.Install(ctx, Plugin{Name: "p", CustomData: manifest.CustomData{Namespace: "acme__firstopen", Access: manifest.ReadWrite}})
	require.NoError(t, err)

	other, err := NewManager(ctx, d.DSN) // no pool, no cached key
	require.NoError(t, err)
	defer other.Close()
	n := countStatements(t, other.admin)
	h, err := other.Open(ctx, "acme__firstopen", inst.Keys.ReadWrite)
	require.NoError(t, err)
	defer h.Close()
	assert.EqualValues(t, 3, n.Load(), "the key, the password, then the new connection's role settings")
	var one int
	require.NoError(t, h.DB(ctx).Raw("SELECT 1").Scan(&one).Error)
	assert.Equal(t, 1, one)
}
