package namespace_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/namespace"
)

type gormDB = gorm.DB

// registerCounter calls fn before every statement the Manager's admin DB runs.
func registerCounter(t *testing.T, m *namespace.Manager, fn func(*gorm.DB)) {
	t.Helper()
	cb := m.DB().Callback()
	require.NoError(t, cb.Query().Before("gorm:query").Register("test:count_query", fn))
	require.NoError(t, cb.Raw().Before("gorm:raw").Register("test:count_raw", fn))
	require.NoError(t, cb.Row().Before("gorm:row").Register("test:count_row", fn))
	require.NoError(t, cb.Create().Before("gorm:create").Register("test:count_create", fn))
}
