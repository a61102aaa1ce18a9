package pgxconn

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// errNotPgx ends a Raw call on a connection of another driver.
var errNotPgx = errors.New("pgxconn: not a pgx stdlib connection")

// Pool returns db's database/sql pool when db runs its statements on one
// directly: not in a transaction, not through GORM's prepared-statement
// pool. ok is false otherwise, and for a nil db.
func Pool(db *gorm.DB) (pool *sql.DB, ok bool) {
	if db == nil || db.Statement == nil {
		return nil, false
	}
	pool, ok = db.Statement.ConnPool.(*sql.DB)
	return pool, ok && pool != nil
}

// With runs f on a pgx connection of pool, held for the call and returned
// to the pool afterwards. f must not keep the connection, or rows of it,
// beyond its return.
//
// ok is false (and f was not called) when the pool's connections are not
// pgx stdlib connections; the caller then takes its general path.
//
// A connection that turns out to be broken before anything of f's reached
// the server (pgconn.SafeToRetry) is discarded and f runs once more on a
// new one, as database/sql retries a statement on a bad connection. Once
// something was sent, f is never run again: the server may have carried
// it out (a COMMIT, or a single statement's implicit one, can complete
// just before the session ends), and the caller gets the error. A
// connection the server ended while it sat idle in the pool for more than
// a second is found before f runs: the pgx driver pings such a connection
// when database/sql hands it out, and database/sql replaces it.
func With(ctx context.Context, pool *sql.DB, f func(*pgx.Conn) error) (ok bool, err error) {
	for attempt := 0; ; attempt++ {
		ok, err = with(ctx, pool, f)
		if attempt == 0 && ok && retryable(err) && ctx.Err() == nil {
			continue
		}
		return ok, err
	}
}

// errBrokenConn marks an error of f on a connection that f's call found
// closed.
type errBrokenConn struct{ err error }

func (e *errBrokenConn) Error() string { return e.err.Error() }
func (e *errBrokenConn) Unwrap() error { return e.err }

// retryable reports whether err is f's failure on a broken connection
// before anything of f's reached the server.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	var broken *errBrokenConn
	return errors.As(err, &broken) && pgconn.SafeToRetry(broken.err)
}

func with(ctx context.Context, pool *sql.DB, f func(*pgx.Conn) error) (bool, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return true, err
	}
	var fErr error
	rawErr := conn.Raw(func(dc any) error {
		sc, isPgx := dc.(*stdlib.Conn)
		if !isPgx {
			return errNotPgx
		}
		fErr = f(sc.Conn())
		if fErr != nil && sc.Conn().IsClosed() {
			fErr = &errBrokenConn{err: fErr}
			return driver.ErrBadConn // database/sql discards the connection
		}
		return nil
	})
	_ = conn.Close()
	if errors.Is(rawErr, errNotPgx) {
		return false, nil
	}
	if fErr != nil {
		if broken := (*errBrokenConn)(nil); errors.As(fErr, &broken) && !retryable(fErr) {
			return true, broken.err
		}
		return true, fErr
	}
	return true, rawErr
}
