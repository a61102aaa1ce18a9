package custommodel

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

type cacheProbe struct {
	CustomModel
	Name string `gorm:"uniqueIndex"`
}

// TestTableCacheKeyedByType checks that handle churn (a new *gorm.DB, and
// so a new parsed schema, per pool) does not grow the analysis cache, and
// that cached tables keep no parsed schema alive.
func TestTableCacheKeyedByType(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	d.Scoped(t, "acme__cache")
	for _, s := range mustDDL(t, "acme__cache", &cacheProbe{}) {
		require.NoError(t, d.DB.Exec(s).Error)
	}
	sqlDB, err := d.DB.DB()
	require.NoError(t, err)
	for range 20 {
		db, err := scope.Open(sqlDB, "acme__cache", scope.Options{})
		require.NoError(t, err)
		_, _, err = GetOrCreate(t.Context(), db, Lookup{"name": "x"}, &cacheProbe{})
		require.NoError(t, err)
	}
	n := 0
	tables.Range(func(k, v any) bool {
		if k == reflect.TypeFor[cacheProbe]() {
			n++
			tb := v.(*table)
			assert.Nil(t, tb.schema)
			for _, c := range append(tb.columns, tb.pk) {
				assert.Nil(t, c.field, c.name)
			}
		}
		return true
	})
	assert.Equal(t, 1, n, "one entry per model type")
}

// mustDDL is DDL that fails the test on error.
func mustDDL(t *testing.T, ns string, models ...any) []string {
	t.Helper()
	stmts, err := DDL(ns, models...)
	require.NoError(t, err)
	return stmts
}
