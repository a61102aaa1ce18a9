package pgxconn_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func open(t *testing.T) (*sql.DB, *gorm.DB) {
	t.Helper()
	d := testdb.New(t)
	sqlDB, err := sql.Open("pgx", d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	return sqlDB, db
}

func TestPoolOnlyOutsideTransactions(t *testing.T) {
	t.Parallel()
	sqlDB, db := open(t)
	pool, ok := pgxconn.Pool(db.WithContext(context.Background()))
	require.True(t, ok)
	assert.Same(t, sqlDB, pool)

	err := db.Transaction(func(tx *gorm.DB) error {
		_, ok := pgxconn.Pool(tx)
		assert.False(t, ok, "a transaction's DB has no pool to take a connection from")
		return nil
	})
	require.NoError(t, err)
	_, ok = pgxconn.Pool(nil)
	assert.False(t, ok)
}

func TestWithRunsOnAPoolConnection(t *testing.T) {
	t.Parallel()
	sqlDB, _ := open(t)
	ctx := context.Background()
	var got int
	ok, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT $1::int + 1", 41).Scan(&got)
	})
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, 42, got)
	assert.Equal(t, 1, sqlDB.Stats().Idle, "the connection went back to the pool")
}

// endSession runs a statement on sqlDB's connection and has the server end
// that session; it returns the session's pid.
func endSession(t *testing.T, sqlDB *sql.DB) int {
	t.Helper()
	ctx := context.Background()
	dsn := sqlDBDSN(t, sqlDB)
	var pid int
	_, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid)
	})
	require.NoError(t, err)
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer func() { _ = admin.Close(ctx) }()
	var ended bool
	require.NoError(t, admin.QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", pid).Scan(&ended))
	require.True(t, ended)
	return pid
}

// A connection the server ended while it sat idle (more than a second) is
// replaced before the call: the caller sees no error.
func TestWithReplacesAConnectionTheServerEnded(t *testing.T) {
	t.Parallel()
	sqlDB, _ := open(t)
	ctx := context.Background()
	pid := endSession(t, sqlDB)
	time.Sleep(1100 * time.Millisecond) // the driver pings a connection idle for over a second

	var again int
	ok, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&again)
	})
	require.True(t, ok)
	require.NoError(t, err)
	assert.NotEqual(t, pid, again, "a new connection ran the statement")
}

// sqlDBDSN returns the DSN of the pool's connections.
func sqlDBDSN(t *testing.T, sqlDB *sql.DB) string {
	t.Helper()
	var dsn string
	_, err := pgxconn.With(context.Background(), sqlDB, func(c *pgx.Conn) error {
		dsn = c.Config().ConnString()
		return nil
	})
	require.NoError(t, err)
	return dsn
}

// A statement sent on a connection the server had just ended is not sent
// again (the server might have carried it out): the caller gets the error,
// and the connection is not reused. Only a write that never left the client
// is retried.
func TestWithDoesNotResendAfterTheServerEndedTheSession(t *testing.T) {
	t.Parallel()
	sqlDB, _ := open(t)
	ctx := context.Background()
	pid := endSession(t, sqlDB)

	calls := 0
	var first error
	ok, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		calls++
		_, err := c.Exec(ctx, "SELECT 1")
		if calls == 1 {
			first = err
		}
		return err
	})
	require.True(t, ok)
	if err != nil {
		assert.Equal(t, 1, calls, "what was sent is not sent again")
	} else {
		// The kernel refused the write (the server's close had arrived):
		// nothing was sent, and f ran again on a new connection.
		assert.Equal(t, 2, calls)
		assert.True(t, pgconn.SafeToRetry(first), "retried only what was never sent: %v", first)
	}

	var again int
	_, err = pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&again)
	})
	require.NoError(t, err)
	assert.NotEqual(t, pid, again, "the broken connection was discarded")
}
