package attributehub_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestWarmConnectionsSurviveAddedColumns is hole 4 of the isolation review
// for attribute hubs: every statement names its columns, so columns added
// to the system tables (by a later version of either SDK) leave statements
// that connections have prepared valid: no 0A000 "cached plan must not
// change result type".
func TestWarmConnectionsSurviveAddedColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	d.Scoped(t, testNS)
	pool, err := sql.Open("pgx", d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pool.Close() })
	db, err := scope.Open(pool, testNS, scope.Options{})
	require.NoError(t, err)
	conns := make([]*gorm.DB, 3)
	for i := range conns {
		conn, err := pool.Conn(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		s := db.Session(&gorm.Session{NewDB: true, Context: ctx})
		s.Statement.ConnPool = conn
		conns[i] = s
	}
	calls := []struct {
		name string
		run  func(db *gorm.DB, i int) error
	}{
		{"GetOrCreate", func(db *gorm.DB, i int) error {
			_, _, err := attributehub.GetOrCreate(ctx, db, "task", fmt.Sprintf("t%d", i))
			return err
		}},
		{"Get and attributes", func(db *gorm.DB, i int) error {
			h, err := attributehub.Get(ctx, db, "task", "shared")
			if err != nil {
				return err
			}
			if err := h.SetAttribute(ctx, "n", i); err != nil {
				return err
			}
			if _, _, err := h.GetAttribute(ctx, "n"); err != nil {
				return err
			}
			_, err = h.Attributes(ctx)
			return err
		}},
		{"List", func(db *gorm.DB, _ int) error {
			_, err := attributehub.List(ctx, db, "task")
			return err
		}},
		{"ListWithAttributes", func(db *gorm.DB, _ int) error {
			_, err := attributehub.ListWithAttributes(ctx, db, "task", attributehub.LoadOptions{})
			return err
		}},
		{"Find", func(db *gorm.DB, _ int) error {
			_, err := attributehub.Find(ctx, db, "task", attributehub.Where("n").Gte(0))
			return err
		}},
	}
	_, err = attributehub.Create(ctx, db, "task", "shared")
	require.NoError(t, err)
	for _, c := range conns {
		for i, call := range calls {
			require.NoError(t, call.run(c, i), "warm-up %s", call.name)
		}
	}
	for _, table := range []string{"attribute_hub", "custom_attribute"} {
		require.NoError(t, d.DB.Exec(`ALTER TABLE "`+testNS+`"."`+table+`" ADD COLUMN added_later text`).Error)
	}
	var failures []string
	n := 0
	for range 4 {
		for _, c := range conns {
			for _, call := range calls {
				n++
				if err := call.run(c, 100+n); err != nil {
					failures = append(failures, call.name+": "+err.Error())
				}
			}
		}
	}
	require.Equal(t, 60, n)
	assert.Empty(t, failures, "%d of %d calls failed", len(failures), n)
}
