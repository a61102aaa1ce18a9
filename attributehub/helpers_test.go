package attributehub_test

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

const testNS = "acme__hub_test"

// newDB returns a namespace-scoped DB in a fresh database, and the admin DB
// for raw checks.
func newDB(t testing.TB) (*gorm.DB, *gorm.DB) {
	d := testdb.New(t)
	return d.Scoped(t, testNS), d.DB
}

// countStatements counts the statements db sends from now on.
func countStatements(t testing.TB, db *gorm.DB) *atomic.Int64 {
	var n atomic.Int64
	inc := func(*gorm.DB) { n.Add(1) }
	cb := db.Callback()
	require.NoError(t, cb.Raw().After("gorm:raw").Register("test:count_raw", inc))
	require.NoError(t, cb.Row().After("gorm:row").Register("test:count_row", inc))
	require.NoError(t, cb.Query().After("gorm:query").Register("test:count_query", inc))
	require.NoError(t, cb.Create().After("gorm:create").Register("test:count_create", inc))
	require.NoError(t, cb.Update().After("gorm:update").Register("test:count_update", inc))
	require.NoError(t, cb.Delete().After("gorm:delete").Register("test:count_delete", inc))
	return &n
}

// assertSameValue compares a value read back with the value expected,
// semantically for decimals, times and JSON.
func assertSameValue(t *testing.T, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case decimal.Decimal:
		g, ok := got.(decimal.Decimal)
		if assert.True(t, ok, "got %T", got) {
			assert.True(t, w.Equal(g), "want %s, got %s", w, g)
		}
	case time.Time:
		g, ok := got.(time.Time)
		if assert.True(t, ok, "got %T", got) {
			assert.True(t, w.Equal(g), "want %v, got %v", w, g)
			assert.Equal(t, time.UTC, g.Location())
		}
	case json.RawMessage:
		g, ok := got.(json.RawMessage)
		if assert.True(t, ok, "got %T", got) {
			assert.JSONEq(t, string(w), string(g))
		}
	default:
		assert.Equal(t, want, got)
	}
}
