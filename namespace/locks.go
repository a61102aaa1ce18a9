package namespace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Installs and the first Open of a namespace change catalog rows that
// plugin code can hold locked too: any role may run a no-op GRANT on an
// object it has some privilege on (PostgreSQL only warns), and that locks
// the object's catalog row until its transaction ends. So the Manager
// grants only what is missing (a re-install grants nothing), takes the
// database-wide "grants" row lock only for grants on shared objects, and
// bounds every lock wait after the namespace's own lock: Config.LockWait
// per statement, then the whole transaction again, up to lockAttempts
// times.
const (
	defaultLockWait = 5 * time.Second
	lockAttempts    = 3
)

// ErrLockTimeout is the error of an install (or first Open) that gave up
// waiting for a lock another session held, after lockAttempts tries. The
// *pgconn.PgError (55P03, or XX000 "tuple concurrently updated") is kept
// underneath. Nothing of the attempt is left behind.
var ErrLockTimeout = errors.New("gave up waiting for a lock another session holds")

// lockedTx runs fn in one admin transaction: first the namespace's row
// lock (installs of one namespace wait for each other without bound), then
// lock_timeout for the rest. An attempt that fails on a lock is rolled
// back whole and run again.
func (m *Manager) lockedTx(ctx context.Context, db *gorm.DB, ns string, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 1; attempt <= lockAttempts; attempt++ {
		err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := namespaceLock(tx, ns); err != nil {
				return err
			}
			if err := tx.Exec("SELECT set_config('lock_timeout', $1, true)", fmt.Sprintf("%dms", m.cfg.LockWait.Milliseconds())).Error; err != nil {
				return err
			}
			return fn(tx)
		})
		if err == nil || !isLockFailure(err) || ctx.Err() != nil {
			break
		}
	}
	return m.lockTimeout(ns, err)
}

// isLockFailure reports a lock wait that timed out, a deadlock, or a
// catalog row updated by a concurrent transaction.
func isLockFailure(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "55P03", "40P01", "40001":
		return true
	case "XX000":
		return strings.Contains(pgErr.Message, "tuple concurrently updated")
	}
	return false
}
