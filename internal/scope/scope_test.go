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

// TestReadOnlyMark: the mark reaches every session of the marked DB and
// no other DB; nil and unscoped DBs are not marked.
func TestReadOnlyMark(t *testing.T) {
	t.Parallel()
	pool, err := sql.Open("pgx", testdb.New(t).DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pool.Close() })
	open := func() *gorm.DB {
		db, err := scope.Open(pool, "acme__scope", scope.Options{})
		require.NoError(t, err)
		return db
	}
	marked, other := open(), open()
	require.NoError(t, scope.MarkReadOnly(marked))

	assert.True(t, scope.ReadOnly(marked))
	assert.True(t, scope.ReadOnly(marked.WithContext(context.Background())), "a session")
	assert.True(t, scope.ReadOnly(marked.Session(&gorm.Session{}).Where("x = 1")), "a chained session")
	assert.False(t, scope.ReadOnly(other))
	assert.False(t, scope.ReadOnly(nil))
	assert.False(t, scope.ReadOnly(&gorm.DB{}))
}
