package attributehub_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

const testNS = "acme__hub_test"

// newDB returns a namespace-scoped DB in a fresh database, on a pool of its
// own whose statements countStatements can count, and the admin DB for raw
// checks.
func newDB(t testing.TB) (*gorm.DB, *gorm.DB) {
	t.Helper()
	d := testdb.New(t)
	d.Scoped(t, testNS) // schema and system tables
	cfg, err := pgx.ParseConfig(d.DSN)
	require.NoError(t, err)
	c := &statementCounter{}
	cfg.Tracer = c
	pool := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { _ = pool.Close() })
	db, err := scope.Open(pool, testNS, scope.Options{})
	require.NoError(t, err)
	counters.Store(db, c)
	return db, d.DB
}

// statementCounter is a pgx tracer that counts the statements its
// connections send once counting is on, whichever path sent them (GORM and
// database/sql, or pgx directly). Transaction control (begin, commit,
// rollback) is not counted.
type statementCounter struct {
	on atomic.Bool
	n  atomic.Int64
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if c.on.Load() {
		switch q := strings.ToLower(strings.TrimSpace(data.SQL)); {
		case strings.HasPrefix(q, "begin"), q == "commit", q == "rollback":
		default:
			c.n.Add(1)
		}
	}
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// counters maps a DB from newDB to its statementCounter.
var counters sync.Map

// countStatements counts the statements db (from newDB) sends from now on,
// on the wire.
func countStatements(t testing.TB, db *gorm.DB) *atomic.Int64 {
	t.Helper()
	c, ok := counters.Load(db)
	require.True(t, ok, "countStatements needs a DB from newDB")
	sc := c.(*statementCounter)
	sc.on.Store(true)
	return &sc.n
}

// assertSameValue compares a value read back with the value expected,
// semantically for decimals, times and JSON.
func assertSameValue(t *testing.T, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case decimal.Decimal:
		g, ok := got.(decimal.Decimal)
		if assert.True(t, ok, "got %T", got) {
			assert.True(t, w.Equal(g), "want %s, got %s", w, g)
		}
	case time.Time:
		g, ok := got.(time.Time)
		if assert.True(t, ok, "got %T", got) {
			assert.True(t, w.Equal(g), "want %v, got %v", w, g)
			assert.Equal(t, time.UTC, g.Location())
		}
	case json.RawMessage:
		g, ok := got.(json.RawMessage)
		if assert.True(t, ok, "got %T", got) {
			assert.JSONEq(t, string(w), string(g))
		}
	default:
		assert.Equal(t, want, got)
	}
}
