package attributehub

import (
	"crypto/rand"
	"encoding/hex"
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

// TestWrapDBProgramLimitNamesIndex: an index entry over btree's limit
// (SQLSTATE 54000) is reported with the index PostgreSQL names, not always
// blamed on text_value, and a long argument is not repeated whole.
func TestWrapDBProgramLimitNamesIndex(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	require.NoError(t, d.DB.Exec(`CREATE TABLE wide (hub_id bigint, name text, PRIMARY KEY (hub_id, name))`).Error)
	b := make([]byte, 2000)
	_, _ = rand.Read(b)
	long := hex.EncodeToString(b) // incompressible, 4,000 bytes
	pgErr := d.DB.Exec(`INSERT INTO wide VALUES (1, ?)`, long).Error
	var pg *pgconn.PgError
	require.True(t, errors.As(pgErr, &pg), "PostgreSQL refuses it: %v", pgErr)
	require.Equal(t, "54000", pg.Code)

	err := wrapDB(pgErr, "set attribute %q on hub %s", long, "t/h")
	assert.ErrorIs(t, err, ErrInvalidValue)
	assert.ErrorAs(t, err, &pg)
	assert.Contains(t, err.Error(), `index "wide_pkey"`)
	assert.NotContains(t, err.Error(), "text_value")
	assert.NotContains(t, err.Error(), long)
	assert.Contains(t, err.Error(), long[:40], "a long argument is shortened, not dropped")
	assert.Less(t, len(err.Error()), 700)
}
