package custommodel_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/scope"
)

// Counter is a model whose table another install extends under warm
// connections.
type Counter struct {
	custommodel.CustomModel
	Name  string `gorm:"uniqueIndex"`
	Count int64
}

// warmConns opens n connections on their own pool, each bound to ns, and
// returns one *gorm.DB per connection: calls through one of them always
// run on that connection, whose statement cache they fill.
func warmConns(t *testing.T, dsn, ns string, n int) []*gorm.DB {
	t.Helper()
	pool, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pool.Close() })
	pool.SetMaxOpenConns(n)
	db, err := scope.Open(pool, ns, scope.Options{})
	require.NoError(t, err)
	require.NoError(t, custommodel.RegisterCallbacks(db))
	dbs := make([]*gorm.DB, n)
	for i := range dbs {
		conn, err := pool.Conn(context.Background())
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		// A Context makes Session clone the statement, whose ConnPool this sets.
		s := db.Session(&gorm.Session{NewDB: true, Context: context.Background()})
		s.Statement.ConnPool = conn
		dbs[i] = s
	}
	return dbs
}

// counterCalls are the calls a plugin makes on a model, each run on db.
var counterCalls = []struct {
	name string
	run  func(ctx context.Context, db *gorm.DB, i int) error
}{
	{"GetOrCreate hit", func(ctx context.Context, db *gorm.DB, _ int) error {
		_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"name": "shared"}, &Counter{Count: 1})
		return err
	}},
	{"GetOrCreate miss", func(ctx context.Context, db *gorm.DB, i int) error {
		_, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"name": fmt.Sprintf("new-%p-%d", db, i)}, &Counter{Count: 1})
		if err == nil && !created {
			err = errors.New("not created")
		}
		return err
	}},
	{"UpdateOrCreate", func(ctx context.Context, db *gorm.DB, i int) error {
		_, _, err := custommodel.UpdateOrCreate(ctx, db, custommodel.Lookup{"name": "shared"}, &Counter{Count: int64(i)})
		return err
	}},
	{"First", func(ctx context.Context, db *gorm.DB, _ int) error {
		var c Counter
		return db.WithContext(ctx).Where("name = ?", "shared").First(&c).Error
	}},
	{"Find", func(ctx context.Context, db *gorm.DB, _ int) error {
		var cs []Counter
		return db.WithContext(ctx).Where("count >= ?", 0).Find(&cs).Error
	}},
}

// TestWarmConnectionsSurviveAnotherInstallsColumn is hole 4 of the
// isolation review: after another install adds a column to a table, calls
// on connections that had already run their statements must not fail with
// 0A000 "cached plan must not change result type".
func TestWarmConnectionsSurviveAnotherInstallsColumn(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const ns = "acme__plancache"
	e := newEnv(t, ns, &Counter{})
	conns := warmConns(t, e.d.DSN, ns, 4)
	for _, db := range conns {
		for i, c := range counterCalls {
			require.NoError(t, c.run(ctx, db, i), "warm-up %s", c.name)
		}
	}

	// Another plugin's install extends the table (as the namespace
	// package runs it: as admin, on another connection).
	require.NoError(t, e.d.DB.Exec(`ALTER TABLE "`+ns+`"."counter" ADD COLUMN IF NOT EXISTS "added_by_other_plugin" text`).Error)

	// 60 calls: three rounds of every call on every warm connection.
	var failures []string
	calls := 0
	for range 3 {
		for _, db := range conns {
			for _, c := range counterCalls {
				calls++
				if err := c.run(ctx, db, 100+calls); err != nil {
					failures = append(failures, c.name+": "+err.Error())
				}
			}
		}
	}
	require.Equal(t, 60, calls)
	assert.Empty(t, failures, "%d of %d calls failed", len(failures), calls)
}

// TestPlanCacheRetry covers the one transparent retry: a column whose type
// changes under a warm connection changes the result type even of an
// explicit column list. Outside a transaction the call is retried once and
// succeeds; inside the caller's transaction the error is returned (the
// transaction is aborted and only the caller can decide to run it again).
func TestPlanCacheRetry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const ns = "acme__planretry"
	e := newEnv(t, ns, &Counter{})
	conns := warmConns(t, e.d.DSN, ns, 2)
	for _, db := range conns {
		for i, c := range counterCalls[:3] {
			require.NoError(t, c.run(ctx, db, i), "warm-up %s", c.name)
		}
	}
	inTx := func() error {
		return conns[1].Transaction(func(tx *gorm.DB) error {
			_, _, err := custommodel.GetOrCreate(ctx, tx, custommodel.Lookup{"name": "shared"}, &Counter{})
			return err
		})
	}
	require.NoError(t, inTx(), "warm-up in a transaction")
	require.NoError(t, e.d.DB.Exec(`ALTER TABLE "`+ns+`"."counter" ALTER COLUMN "name" TYPE varchar(200)`).Error)

	for i, c := range counterCalls[:3] {
		assert.NoError(t, c.run(ctx, conns[0], 200+i), "%s outside a transaction is retried", c.name)
	}

	err := inTx()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, "inside a transaction the refusal is returned")
	assert.Equal(t, "0A000", pgErr.Code)
}
