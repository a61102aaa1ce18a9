package scope_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestReadOnlyMark: the mark of a DB opened with Options.ReadOnly reaches
// every session of it and no other DB; nil and unscoped DBs are not marked.
func TestReadOnlyMark(t *testing.T) {
	t.Parallel()
	pool, err := sql.Open("pgx", testdb.New(t).DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pool.Close() })
	open := func(readOnly bool) *gorm.DB {
		db, err := scope.Open(pool, "acme__scope", scope.Options{ReadOnly: readOnly})
		require.NoError(t, err)
		return db
	}
	marked, other := open(true), open(false)
	ns, err := scope.Namespace(marked)
	require.NoError(t, err)
	assert.Equal(t, "acme__scope", ns, "the mark keeps the namespace")

	assert.True(t, scope.ReadOnly(marked))
	assert.True(t, scope.ReadOnly(marked.WithContext(context.Background())), "a session")
	assert.True(t, scope.ReadOnly(marked.Session(&gorm.Session{}).Where("x = 1")), "a chained session")
	assert.False(t, scope.ReadOnly(other))
	assert.False(t, scope.ReadOnly(nil))
	assert.False(t, scope.ReadOnly(&gorm.DB{}))
}
