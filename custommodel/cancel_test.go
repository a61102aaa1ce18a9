package custommodel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

// TestCancelledCalls cancels GetOrCreate and UpdateOrCreate before they
// start (nothing is sent) and while they wait on a row lock (another
// session's uncommitted insert of the same key): each returns the
// context's error at once, leaves no partial row, and leaves the pool
// usable.
func TestCancelledCalls(t *testing.T) {
	t.Parallel()
	const ns = "acme__cancel"
	e := newEnv(t, ns, &Counter{})
	background := context.Background()

	done, cancel := context.WithCancel(background)
	cancel()
	_, _, err := custommodel.GetOrCreate(done, e.db, custommodel.Lookup{"name": "a"}, &Counter{})
	assert.ErrorIs(t, err, context.Canceled)
	_, _, err = custommodel.UpdateOrCreate(done, e.db, custommodel.Lookup{"name": "a"}, &Counter{Count: 1})
	assert.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 0, e.count(t, "counter"), "a call cancelled before it starts sends nothing")

	// Another session inserts "b" and holds its transaction open: an
	// insert of the same key waits for it.
	admin, err := e.d.DB.DB()
	require.NoError(t, err)
	hold, err := admin.BeginTx(background, nil)
	require.NoError(t, err)
	_, err = hold.Exec(`INSERT INTO "` + ns + `"."counter" (name, count) VALUES ('b', 1)`)
	require.NoError(t, err)

	calls := []func(ctx context.Context) error{
		func(ctx context.Context) error {
			_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"name": "b"}, &Counter{Count: 2})
			return err
		},
		func(ctx context.Context) error {
			_, _, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "b"}, &Counter{Count: 3})
			return err
		},
	}
	for i, call := range calls {
		ctx, cancel := context.WithCancel(background)
		result := make(chan error, 1)
		go func() { result <- call(ctx) }()
		// Cancel once the call waits on the lock.
		require.Eventually(t, func() bool {
			var waiting int
			err := e.d.DB.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%counter%'`).Scan(&waiting).Error
			return err == nil && waiting > 0
		}, 10*time.Second, 5*time.Millisecond, "call %d never waited on the lock", i)
		cancel()
		err := <-result
		require.Error(t, err, "call %d", i)
		assert.True(t, errors.Is(err, context.Canceled) || isQueryCanceled(err), "call %d: %v", i, err)
	}
	require.NoError(t, hold.Rollback())

	// A statement cancelled while it waits on a lock is not always stopped
	// on the server: the driver gives up on the connection, but the server
	// backend notices only when it next talks to the client, so the write
	// may still be done once the lock is free. The caller cannot know the
	// outcome of a cancelled call; both calls are idempotent, so running
	// them again is the remedy. What must hold: at most one row, made by
	// one of the cancelled calls in full, and the pool usable.
	require.Eventually(t, func() bool {
		var busy int
		err := e.d.DB.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%counter%'`).Scan(&busy).Error
		return err == nil && busy == 0
	}, 10*time.Second, 5*time.Millisecond)
	var rows []Counter
	require.NoError(t, e.d.DB.Raw(`SELECT * FROM "`+ns+`"."counter"`).Scan(&rows).Error)
	require.LessOrEqual(t, len(rows), 1, "one key, one row")
	for _, r := range rows {
		assert.Equal(t, "b", r.Name)
		assert.Contains(t, []int64{2, 3}, r.Count, "a row written in full by a cancelled call")
	}

	// The pool is still usable, and the key gives one row.
	row, created, err := custommodel.GetOrCreate(background, e.db, custommodel.Lookup{"name": "b"}, &Counter{Count: 4})
	require.NoError(t, err)
	assert.Equal(t, len(rows) == 0, created)
	assert.EqualValues(t, 1, e.count(t, "counter"))
	assert.Equal(t, "b", row.Name)
}

// isQueryCanceled reports PostgreSQL's 57014 (the driver's cancel request
// reached the server first).
func isQueryCanceled(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57014"
}
