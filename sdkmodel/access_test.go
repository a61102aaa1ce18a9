package sdkmodel_test

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// A read handle may SELECT every platform table and nothing else in
// public, and write none of them.
func TestReadHandleReadsExactlyThePlatformTables(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p, reader := installLinks(t)
	require.NoError(t, p.Manager.DB().Exec(`CREATE TABLE public.platform_private (secret text)`).Error)
	r := reader.DB(ctx)

	var denied []string
	for _, table := range sdkmodel.PlatformTables() {
		q := sqlident.Quote(sdkmodel.Schema, table)
		var n int64
		err := r.Raw("SELECT count(*) FROM " + q).Scan(&n).Error
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" {
			denied = append(denied, table)
		} else {
			assert.NoError(t, err, table)
		}
		err = r.Exec("DELETE FROM " + q).Error
		assert.ErrorIs(t, err, namespace.ErrWriteDenied, table)
	}
	err := r.Raw("SELECT count(*) FROM public.platform_private").Scan(new(int64)).Error
	var pgErr *pgconn.PgError
	if assert.True(t, errors.As(err, &pgErr), "a public table outside the list is not readable: %v", err) {
		assert.Equal(t, "42501", pgErr.Code)
	}
	assert.Empty(t, denied, "every listed platform table is readable")
}
