package attributehub

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestWrapDBUntranslatable: PostgreSQL's refusal of a NUL in jsonb (SQLSTATE
// 22P05), should a value ever get past encode, wraps ErrInvalidValue and
// keeps the driver error.
func TestWrapDBUntranslatable(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	var out string
	pgErr := d.DB.Raw(`SELECT CAST(? AS text)::jsonb::text`, `["\u0000"]`).Scan(&out).Error
	var pg *pgconn.PgError
	require.True(t, errors.As(pgErr, &pg), "PostgreSQL refuses it: %v", pgErr)
	require.Equal(t, "22P05", pg.Code)

	err := wrapDB(pgErr, "set attribute %q", "x")
	assert.ErrorIs(t, err, ErrInvalidValue)
	assert.ErrorAs(t, err, &pg)
	assert.Contains(t, err.Error(), `set attribute "x"`)
}
