package attributehub_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestFastPathMatchesTransactionPath: outside a transaction the hot paths
// run on the pgx connection, inside one through GORM; every kind written by
// either path reads back the same through either path.
func TestFastPathMatchesTransactionPath(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	cases := roundTripCases()
	in := map[string]any{}
	for _, c := range cases {
		in[c.name] = c.in
	}

	fast, _, err := attributehub.GetOrCreate(ctx, db, "paths", "fast")
	require.NoError(t, err)
	for _, c := range cases {
		require.NoError(t, fast.SetAttribute(ctx, "one "+c.name, c.in), c.name)
	}
	require.NoError(t, fast.SetAttributes(ctx, in))
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		slow, _, err := attributehub.GetOrCreate(ctx, tx, "paths", "tx")
		require.NoError(t, err)
		for _, c := range cases {
			require.NoError(t, slow.SetAttribute(ctx, "one "+c.name, c.in), c.name)
		}
		return slow.SetAttributes(ctx, in)
	}))
	slow, err := attributehub.Get(ctx, db, "paths", "tx")
	require.NoError(t, err)

	// read reads hub id of the given path, through the fast path or in a
	// transaction.
	read := func(t *testing.T, id string, inTx bool) (map[string]any, map[string]any) {
		t.Helper()
		one, all := map[string]any{}, map[string]any{}
		run := func(db *gorm.DB) error {
			h, err := attributehub.Get(ctx, db, "paths", id)
			require.NoError(t, err)
			for _, c := range cases {
				v, ok, err := h.GetAttribute(ctx, "one "+c.name)
				require.NoError(t, err, c.name)
				require.True(t, ok, c.name)
				one[c.name] = v
			}
			all, err = h.Attributes(ctx)
			return err
		}
		if inTx {
			require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return run(tx) }))
		} else {
			require.NoError(t, run(db))
		}
		return one, all
	}
	for _, w := range []*attributehub.Hub{fast, slow} {
		for _, inTx := range []bool{false, true} {
			one, all := read(t, w.ID, inTx)
			require.Len(t, all, 2*len(cases), "written by %s, read in a transaction: %v", w.ID, inTx)
			for _, c := range cases {
				assertSameValue(t, c.want, one[c.name])
				assertSameValue(t, c.want, all["one "+c.name])
				assertSameValue(t, c.want, all[c.name])
				k, err := attributehub.KindOf(all[c.name])
				require.NoError(t, err)
				assert.Equal(t, c.kind, k, c.name)
			}
		}
	}
}

// TestTransactionKeepsHotPathWrites: a hub of a transaction's DB writes in
// that transaction, so a rollback undoes its writes.
func TestTransactionKeepsHotPathWrites(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "tx", "h")
	require.NoError(t, err)
	require.NoError(t, h.SetAttribute(ctx, "kept", 1))
	errRollback := errors.New("roll back")
	err = db.Transaction(func(tx *gorm.DB) error {
		th, err := attributehub.Get(ctx, tx, "tx", "h")
		require.NoError(t, err)
		require.NoError(t, th.SetAttribute(ctx, "kept", 2))
		require.NoError(t, th.SetAttributes(ctx, map[string]any{"a": 1, "b": "x"}))
		all, err := th.Attributes(ctx)
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"kept": int64(2), "a": int64(1), "b": "x"}, all, "the transaction sees its writes")
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	all, err := h.Attributes(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"kept": int64(1)}, all, "the rollback undid every write")
}

// TestFastPathRefusalIsGORMs: a statement PostgreSQL refuses on the fast
// path (the hub was deleted) is reported as it always was: ErrHubNotFound
// with the *pgconn.PgError underneath, nothing written, and the statement
// is not sent again.
func TestFastPathRefusalIsGORMs(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "gone", "h")
	require.NoError(t, err)
	require.NoError(t, attributehub.Delete(ctx, db, "gone", "h"))

	sent := countStatements(t, db)
	for name, call := range map[string]func() error{
		"SetAttribute":  func() error { return h.SetAttribute(ctx, "a", 1) },
		"SetAttributes": func() error { return h.SetAttributes(ctx, map[string]any{"a": 1, "b": "x"}) },
	} {
		before := sent.Load()
		err := call()
		assert.EqualValues(t, 1, sent.Load()-before, "%s: one statement", name)
		require.ErrorIs(t, err, attributehub.ErrHubNotFound, name)
		var pg *pgconn.PgError
		require.ErrorAs(t, err, &pg, name)
		assert.Equal(t, "23503", pg.Code, name)
		assert.Contains(t, err.Error(), "hub gone/h", name)
	}
	var n int64
	require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.custom_attribute`).Scan(&n).Error)
	assert.Zero(t, n)
}

// traceLog records the statements given to GORM's logger.
type traceLog struct {
	logger.Interface
	mu   sync.Mutex
	sqls []string
}

func (l *traceLog) LogMode(logger.LogLevel) logger.Interface { return l }

func (l *traceLog) Trace(_ context.Context, _ time.Time, fc func() (string, int64), err error) {
	s, _ := fc()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sqls = append(l.sqls, s)
}

// TestFastPathLogs: the hot paths give their statements, with values, to
// the DB's logger.
func TestFastPathLogs(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	lg := &traceLog{Interface: logger.Discard}
	ldb := db.Session(&gorm.Session{Logger: lg})
	h, err := attributehub.Create(ctx, ldb, "log", "h")
	require.NoError(t, err)
	require.NoError(t, h.SetAttribute(ctx, "greeting", "hello there"))
	require.NoError(t, h.SetAttributes(ctx, map[string]any{"n": 41}))
	_, _, err = h.GetAttribute(ctx, "greeting")
	require.NoError(t, err)
	_, err = h.Attributes(ctx)
	require.NoError(t, err)

	lg.mu.Lock()
	defer lg.mu.Unlock()
	require.Len(t, lg.sqls, 5, "Create and the four hot paths: %q", lg.sqls)
	assert.True(t, strings.HasPrefix(lg.sqls[1], "INSERT INTO"), lg.sqls[1])
	assert.Contains(t, lg.sqls[1], "hello there")
	assert.Contains(t, lg.sqls[2], "unnest")
	assert.Contains(t, lg.sqls[3], "'greeting'")
	assert.True(t, strings.HasPrefix(lg.sqls[4], "SELECT a.name"), lg.sqls[4])
}

// TestSetAttributesOfOneKind: a SetAttributes whose values are all of one
// kind sends them as one array of that kind (bigint[] for integers,
// boolean[] for booleans, text cast per column for the others; all nil
// takes the general statement), and what
// it stores reads back as the values of a mixed batch do, outside a
// transaction and in one.
func TestSetAttributesOfOneKind(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	byKind := map[attributehub.Kind][]roundTripCase{}
	for _, c := range roundTripCases() {
		byKind[c.kind] = append(byKind[c.kind], c)
	}
	arrayOf := map[attributehub.Kind]string{attributehub.KindInt: "bigint[]", attributehub.KindBool: "boolean[]"}
	for kind, cases := range byKind {
		in := map[string]any{}
		for _, c := range cases {
			in[c.name] = c.in
		}
		for _, inTx := range []bool{false, true} {
			lg := &traceLog{Interface: logger.Discard}
			ldb := db.Session(&gorm.Session{Logger: lg})
			id := fmt.Sprintf("%s tx=%v", kind, inTx)
			write := func(db *gorm.DB) error {
				h, err := attributehub.Create(ctx, db, "one kind", id)
				require.NoError(t, err)
				return h.SetAttributes(ctx, in)
			}
			if inTx {
				require.NoError(t, ldb.Transaction(write), id)
			} else {
				require.NoError(t, write(ldb), id)
				lg.mu.Lock()
				sent := lg.sqls[len(lg.sqls)-1]
				lg.mu.Unlock()
				if kind != attributehub.KindNull { // all nil: the general statement
					assert.NotContains(t, sent, "CASE", "%s: one array, no per-row kinds", id)
				}
				if a, ok := arrayOf[kind]; ok {
					assert.Contains(t, sent, a, id)
				}
			}
			h, err := attributehub.Get(ctx, db, "one kind", id)
			require.NoError(t, err)
			all, err := h.Attributes(ctx)
			require.NoError(t, err)
			require.Len(t, all, len(cases), id)
			for _, c := range cases {
				assertSameValue(t, c.want, all[c.name])
			}
		}
	}
}

// TestUnreadableTimestamp: a timestamp infinity written by other code
// (timestamptz accepts it; time.Time cannot hold it) is reported as a
// decimal NaN is: ErrInvalidValue naming the attribute, the others read.
func TestUnreadableTimestamp(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "inf", "h")
	require.NoError(t, err)
	require.NoError(t, h.SetAttribute(ctx, "good", 1))
	require.NoError(t, admin.Exec(`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, timestamp_value) VALUES (?, 'bad', 'infinity')`, h.DBID).Error)
	check := func(t *testing.T, err error) {
		t.Helper()
		require.ErrorIs(t, err, attributehub.ErrInvalidValue)
		assert.Contains(t, err.Error(), `attribute "bad" of hub inf/h`)
		assert.Contains(t, err.Error(), "infinity")
	}
	for _, inTx := range []bool{false, true} {
		run := func(db *gorm.DB) error {
			h, err := attributehub.Get(ctx, db, "inf", "h")
			require.NoError(t, err)
			_, _, err = h.GetAttribute(ctx, "bad")
			check(t, err)
			all, err := h.Attributes(ctx)
			check(t, err)
			assert.Equal(t, map[string]any{"good": int64(1)}, all)
			return nil
		}
		if inTx {
			require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return run(tx) }))
		} else {
			require.NoError(t, run(db))
		}
	}
}

// TestFastPathExecModes: the hot paths work in every pgx exec mode a
// handle's connections may use (a transaction pooler's is
// QueryExecModeExec), values read back exactly.
func TestFastPathExecModes(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	d.Scoped(t, testNS)
	ctx := context.Background()
	cases := roundTripCases()
	in := map[string]any{}
	for _, c := range cases {
		in[c.name] = c.in
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg, err := pgx.ParseConfig(d.DSN)
			require.NoError(t, err)
			cfg.DefaultQueryExecMode = mode
			pool := stdlib.OpenDB(*cfg)
			t.Cleanup(func() { _ = pool.Close() })
			db, err := scope.Open(pool, testNS, scope.Options{})
			require.NoError(t, err)
			h, _, err := attributehub.GetOrCreate(ctx, db, "mode", mode.String())
			require.NoError(t, err)
			for _, c := range cases {
				require.NoError(t, h.SetAttribute(ctx, "one "+c.name, c.in), c.name)
				v, ok, err := h.GetAttribute(ctx, "one "+c.name)
				require.NoError(t, err, c.name)
				require.True(t, ok, c.name)
				assertSameValue(t, c.want, v)
			}
			require.NoError(t, h.SetAttributes(ctx, in))
			all, err := h.Attributes(ctx)
			require.NoError(t, err)
			require.Len(t, all, 2*len(cases))
			for _, c := range cases {
				assertSameValue(t, c.want, all[c.name])
			}
		})
	}
}

// TestDeniedWritesTakeGORMsPath: a DB opened read-only (scope.Options)
// whose GORM callbacks refuse raw Execs (a namespace read handle's) refuses
// the hot-path writes before anything is sent; its reads still run.
func TestDeniedWritesTakeGORMsPath(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	w, err := attributehub.Create(ctx, db, "deny", "h")
	require.NoError(t, err)
	require.NoError(t, w.SetAttribute(ctx, "a", 1))
	pool, err := db.DB()
	require.NoError(t, err)
	ro, err := scope.Open(pool, testNS, scope.Options{ReadOnly: true}) // the same connections
	require.NoError(t, err)
	errDenied := errors.New("denied by a callback")
	require.NoError(t, ro.Callback().Raw().Before("*").Register("test:deny_exec", func(tx *gorm.DB) {
		_ = tx.AddError(errDenied)
	}))
	h, err := attributehub.Get(ctx, ro, "deny", "h")
	require.NoError(t, err)
	sent := countStatements(t, db) // counts every statement of the pool
	require.ErrorIs(t, h.SetAttribute(ctx, "a", 2), errDenied)
	require.ErrorIs(t, h.SetAttributes(ctx, map[string]any{"a": 2}), errDenied)
	assert.Zero(t, sent.Load(), "nothing was sent")
	v, ok, err := h.GetAttribute(ctx, "a")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, int64(1), v)
	assert.EqualValues(t, 1, sent.Load())
}

// TestFastPathSchemaErrorRunsThroughGORM: a statement refused for a schema
// reason (the table is gone) is sent once more through GORM, whose error is
// returned, *pgconn.PgError underneath.
func TestFastPathSchemaErrorRunsThroughGORM(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "dropped", "h")
	require.NoError(t, err)
	require.NoError(t, admin.Exec(`DROP TABLE acme__hub_test.custom_attribute`).Error)
	sent := countStatements(t, db)
	for name, call := range map[string]func() error{
		"SetAttribute":  func() error { return h.SetAttribute(ctx, "a", 1) },
		"SetAttributes": func() error { return h.SetAttributes(ctx, map[string]any{"a": 1}) },
		"GetAttribute":  func() error { _, _, err := h.GetAttribute(ctx, "a"); return err },
		"Attributes":    func() error { _, err := h.Attributes(ctx); return err },
	} {
		before := sent.Load()
		err := call()
		var pg *pgconn.PgError
		require.ErrorAs(t, err, &pg, name)
		assert.Equal(t, "42P01", pg.Code, name)
		assert.Contains(t, err.Error(), "hub dropped/h", name)
		assert.EqualValues(t, 2, sent.Load()-before, "%s: the fast path, then GORM's", name)
	}
}
