package custommodel

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/pgproxy"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// fastRoom has a column of every type the fast path takes.
type fastRoom struct {
	CustomModel
	Name     string `gorm:"uniqueIndex"`
	Capacity int64  `gorm:"default:3"`
	Active   bool
	Note     *string
	Score    float64
	Small    int32
	Price    decimal.Decimal  `gorm:"precision:10;scale:2"`
	MaybeDec *decimal.Decimal `gorm:"precision:10;scale:2"`
	At       time.Time
	MaybeAt  *time.Time
	MaybeInt *int64
}

// fastPair has a composite key and a nullable column outside it.
type fastPair struct {
	CustomModel
	Kind string  `gorm:"uniqueIndex:fastpair_kind_num"`
	Num  int     `gorm:"uniqueIndex:fastpair_kind_num"`
	Tag  *string `gorm:"uniqueIndex"`
	Memo *string
	Note string
}

// fastSerial has a GORM serializer field: it always takes the general path.
type fastSerial struct {
	CustomModel
	Name string   `gorm:"uniqueIndex"`
	Tags []string `gorm:"serializer:json"`
}

// fastCase is one call, run through the fast path in one namespace and
// through the general path in another.
type fastCase struct {
	name string
	// fast is whether the fast path completes the call itself.
	fast bool
	run  func(ctx context.Context, db *gorm.DB, general bool) (any, bool, error)
}

func goc[T any](lookup Lookup, defaults *T) func(context.Context, *gorm.DB, bool) (any, bool, error) {
	return func(ctx context.Context, db *gorm.DB, general bool) (any, bool, error) {
		if general {
			return getOrCreateGORM(ctx, db, lookup, defaults)
		}
		if row, created, done, err := fastGetOrCreate(ctx, db, lookup, defaults); done {
			return row, created, err
		}
		return nil, false, errNotFast
	}
}

func uoc[T any](lookup Lookup, values *T, columns ...string) func(context.Context, *gorm.DB, bool) (any, bool, error) {
	return func(ctx context.Context, db *gorm.DB, general bool) (any, bool, error) {
		if general {
			return updateOrCreateGORM(ctx, db, lookup, values, columns...)
		}
		if row, created, done, err := fastUpdateOrCreate(ctx, db, lookup, values, columns); done {
			return row, created, err
		}
		return nil, false, errNotFast
	}
}

// errNotFast marks a call the fast path handed back.
var errNotFast = errors.New("not taken by the fast path")

func ptr[T any](v T) *T { return &v }

// TestFastPathMatchesGeneralPath runs a table of calls in two namespaces,
// through the fast path in one and the general (GORM) path in the other:
// rows, created flags and errors are the same, and the fast path completes
// exactly the calls it should.
func TestFastPathMatchesGeneralPath(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testdb.New(t)
	const fastNS, generalNS = "acme__fast", "acme__general"
	dbs := map[string]*gorm.DB{}
	for _, ns := range []string{fastNS, generalNS} {
		dbs[ns] = d.Scoped(t, ns)
		for _, s := range mustDDL(t, ns, &fastRoom{}, &fastPair{}) {
			require.NoError(t, d.DB.Exec(s).Error, s)
		}
	}
	// Zero decimals too: database/sql reads numeric as text, keeping its
	// scale ("0.00"), and so must the fast path.
	at := time.Date(2026, 3, 4, 5, 6, 7, 890000000, time.UTC)
	cases := []fastCase{
		{"miss, defaults and ORM default", true, goc(Lookup{"name": "a"}, &fastRoom{Note: ptr("n"), Score: 1.5, Small: -3,
			Price: decimal.RequireFromString("12.30"), MaybeDec: ptr(decimal.RequireFromString("-0.05")), At: at, MaybeAt: &at, MaybeInt: ptr(int64(7))})},
		{"hit", true, goc(Lookup{"name": "a"}, &fastRoom{Capacity: 9})},
		{"hit by dbid and name", true, goc(Lookup{"dbid": 1, "name": "a"}, (*fastRoom)(nil))},
		{"miss, nil defaults", true, goc(Lookup{"name": "b"}, (*fastRoom)(nil))},
		{"miss by dbid", true, goc(Lookup{"dbid": int64(50), "name": "c"}, &fastRoom{Active: true})},
		{"lookup value converted", true, goc(Lookup{"dbid": 50.0}, (*fastRoom)(nil))},
		{"unknown column", false, goc(Lookup{"nmae": "a"}, (*fastRoom)(nil))},
		{"not a key", false, goc(Lookup{"active": true}, (*fastRoom)(nil))},
		{"value does not fit", false, goc(Lookup{"name": 7}, (*fastRoom)(nil))},
		{"nil key", false, goc(Lookup{"name": nil}, (*fastRoom)(nil))},
		{"empty lookup", false, goc(Lookup{}, (*fastRoom)(nil))},
		{"decimal too precise", false, goc(Lookup{"name": "d"}, &fastRoom{Price: decimal.RequireFromString("1.234")})},
		{"text too long", false, goc(Lookup{"name": "e"}, &fastRoom{Note: ptr(strings.Repeat("x", MaxValueLength+1))})},
		{"conflict on another unique index", false, goc(Lookup{"dbid": int64(1), "name": "zz"}, (*fastRoom)(nil))},
		{"update or create: create", true, uoc(Lookup{"name": "u"}, &fastRoom{Capacity: 5, Note: ptr("x")})},
		{"update or create: update all", true, uoc(Lookup{"name": "u"}, &fastRoom{Capacity: 6, Price: decimal.RequireFromString("1.5")})},
		{"update or create: listed columns", true, uoc(Lookup{"name": "u"}, &fastRoom{Capacity: 8, Score: 2}, "score")},
		{"update or create: nothing to update", true, uoc(Lookup{"name": "u"}, (*fastRoom)(nil))},
		{"update or create: unknown column", false, uoc(Lookup{"name": "u"}, &fastRoom{}, "nope")},
		{"update or create: primary key", false, uoc(Lookup{"name": "u"}, &fastRoom{}, "dbid")},
		{"update or create: conflict on another index", false, uoc(Lookup{"dbid": int64(2), "name": "a"}, &fastRoom{})},
		{"pair: miss", true, goc(Lookup{"kind": "k", "num": 1}, &fastPair{Note: "first"})},
		{"pair: hit", true, goc(Lookup{"num": 1, "kind": "k"}, &fastPair{Note: "second"})},
		{"pair: nil outside the key", true, goc(Lookup{"kind": "k", "num": 2, "memo": nil}, &fastPair{})},
		{"pair: nil outside the key, hit", true, goc(Lookup{"kind": "k", "num": 2, "memo": nil}, &fastPair{Note: "x"})},
		{"pair: one key nil, another key clean", true, goc(Lookup{"kind": "k", "num": 3, "tag": (*string)(nil)}, &fastPair{})},
		{"pair: the only key nil", false, goc(Lookup{"tag": nil}, &fastPair{})},
		{"pair: update or create by the composite key", true, uoc(Lookup{"kind": "k", "num": 1}, &fastPair{Note: "third", Tag: ptr("t")})},
		// Last: a failed insert takes an identity value, and the fast path
		// tries once before the general path's attempts.
		{"pair: nil outside the key, no match", false, goc(Lookup{"kind": "k", "num": 2, "memo": "m"}, &fastPair{})},
		{"pair: lookup differs outside the key", false, uoc(Lookup{"kind": "k", "num": 1, "note": "other"}, &fastPair{})},
	}
	for _, c := range cases {
		fastRow, fastCreated, fastErr := c.run(ctx, dbs[fastNS], false)
		if c.fast {
			require.NoError(t, fastErr, c.name)
		} else {
			require.ErrorIs(t, fastErr, errNotFast, c.name)
			fastRow, fastCreated, fastErr = c.run(ctx, dbs[fastNS], true)
		}
		row, created, err := c.run(ctx, dbs[generalNS], true)
		if err != nil {
			require.Error(t, fastErr, c.name)
			assert.Equal(t, err.Error(), strings.ReplaceAll(fastErr.Error(), fastNS, generalNS), c.name)
			continue
		}
		require.NoError(t, fastErr, c.name)
		assert.Equal(t, row, fastRow, c.name)
		assert.Equal(t, created, fastCreated, c.name)
	}
}

// TestFastPathPublicCalls checks that GetOrCreate and UpdateOrCreate take
// the fast path outside a transaction (the statement is logged with its $n
// placeholders) and the general path inside one, where the row is rolled
// back with the transaction.
func TestFastPathPublicCalls(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testdb.New(t)
	const ns = "acme__fastpublic"
	db := d.Scoped(t, ns)
	for _, s := range mustDDL(t, ns, &fastRoom{}, &fastSerial{}) {
		require.NoError(t, d.DB.Exec(s).Error, s)
	}
	rec := &recordingLogger{}
	logged := db.Session(&gorm.Session{Logger: rec})

	row, created, err := GetOrCreate(ctx, logged, Lookup{"name": "a"}, &fastRoom{Score: 2})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, 2.0, row.Score)
	assert.EqualValues(t, 3, row.Capacity, "the ORM default")
	require.Len(t, rec.sql, 1, "one statement")
	assert.Contains(t, rec.sql[0], `"customdata_found"`)
	assert.Contains(t, rec.sql[0], `'a'`, "logged with its values")

	// A hit scans into a new row: the defaults' pointers are not written through.
	note := "mine"
	defaults := &fastRoom{Note: &note}
	_, _, err = UpdateOrCreate(ctx, db, Lookup{"name": "p"}, &fastRoom{Note: ptr("stored")})
	require.NoError(t, err)
	row, created, err = GetOrCreate(ctx, db, Lookup{"name": "p"}, defaults)
	require.NoError(t, err)
	require.False(t, created)
	assert.Equal(t, "stored", *row.Note)
	assert.Equal(t, "mine", note)
	assert.Same(t, &note, defaults.Note)
	rec.sql = nil

	row, created, err = UpdateOrCreate(ctx, logged, Lookup{"name": "a"}, &fastRoom{Score: 4})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, 4.0, row.Score)
	assert.Len(t, rec.sql, 1)

	err = db.Transaction(func(tx *gorm.DB) error {
		_, done := fastDone(fastGetOrCreate(ctx, tx, Lookup{"name": "tx"}, &fastRoom{}))
		assert.False(t, done, "the fast path does not run in a transaction")
		row, created, err := GetOrCreate(ctx, tx, Lookup{"name": "tx"}, &fastRoom{})
		require.NoError(t, err)
		assert.True(t, created)
		assert.Equal(t, "tx", row.Name)
		return errors.New("roll back")
	})
	require.Error(t, err)
	var n int64
	require.NoError(t, d.DB.Raw(`SELECT count(*) FROM "`+ns+`"."fastroom" WHERE name = 'tx'`).Scan(&n).Error)
	assert.Zero(t, n, "the row was written in the transaction")

	assert.False(t, fastModelOf[fastSerial](db).ok, "a serializer field takes the general path")
	_, done := fastDone(fastGetOrCreate(ctx, db, Lookup{"name": "s"}, &fastSerial{Tags: []string{"x"}}))
	assert.False(t, done)
	s, created, err := GetOrCreate(ctx, db, Lookup{"name": "s"}, &fastSerial{Tags: []string{"x"}})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, []string{"x"}, s.Tags)
	assert.True(t, fastModelOf[fastRoom](db).ok)
}

func fastDone[T any](row *T, _ bool, done bool, _ error) (*T, bool) { return row, done }

// recordingLogger records the statements GORM's logger is given.
type recordingLogger struct {
	logger.Interface
	sql []string
}

func (l *recordingLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l *recordingLogger) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	l.sql = append(l.sql, s)
}

// TestFastPathReturnsTimeoutsOnce checks that a fast statement that gave up
// waiting (lock_timeout, the context's deadline) is the call's answer, in
// the general path's words: the general path would only wait again.
func TestFastPathReturnsTimeoutsOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testdb.New(t)
	const ns = "acme__fasttimeout"
	_ = d.Scoped(t, ns)
	for _, s := range mustDDL(t, ns, &fastRoom{}) {
		require.NoError(t, d.DB.Exec(s).Error, s)
	}
	sep := "?"
	if strings.Contains(d.DSN, "?") {
		sep = "&"
	}
	sqlDB, err := sql.Open("pgx", d.DSN+sep+"lock_timeout=300ms")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })
	db, err := scope.Open(sqlDB, ns, scope.Options{})
	require.NoError(t, err)
	_, _, err = UpdateOrCreate(ctx, db, Lookup{"name": "busy"}, &fastRoom{})
	require.NoError(t, err)

	lock := d.DB.Begin()
	require.NoError(t, lock.Error)
	t.Cleanup(func() { lock.Rollback() })
	require.NoError(t, lock.Exec(`SELECT 1 FROM "`+ns+`"."fastroom" WHERE name = 'busy' FOR UPDATE`).Error)

	rec := &recordingLogger{}
	logged := db.Session(&gorm.Session{Logger: rec})
	_, _, err = UpdateOrCreate(ctx, logged, Lookup{"name": "busy"}, &fastRoom{Score: 1})
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "55P03", pgErr.Code, "lock_timeout")
	assert.Contains(t, err.Error(), "custommodel: fastRoom: ")
	assert.Len(t, rec.sql, 1, "the statement is not sent a second time")

	rec.sql = nil
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, _, err = UpdateOrCreate(short, logged, Lookup{"name": "busy"}, &fastRoom{Score: 2})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, rec.sql, 1, "the statement is not sent a second time")
}

// TestGetOrCreateLooksFirstWhereItHits checks the hit path's choice: a
// shape whose calls find their row sends the plain SELECT, one round trip;
// a miss then costs the SELECT and the one statement; a shape that keeps
// missing goes back to the one statement alone.
func TestGetOrCreateLooksFirstWhereItHits(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testdb.New(t)
	const ns = "acme__fasthits"
	db := d.Scoped(t, ns)
	for _, s := range mustDDL(t, ns, &fastPair{}) {
		require.NoError(t, d.DB.Exec(s).Error, s)
	}
	rec := &recordingLogger{}
	logged := db.Session(&gorm.Session{Logger: rec})
	call := func(num int) (stmts []string, created bool) {
		t.Helper()
		rec.sql = nil
		row, created, err := GetOrCreate(ctx, logged, Lookup{"kind": "k", "num": num}, &fastPair{Note: "n"})
		require.NoError(t, err)
		require.Equal(t, num, row.Num)
		require.Equal(t, "n", row.Note)
		return rec.sql, created
	}
	isStatement := func(s string) bool { return strings.Contains(s, `"customdata_found"`) }

	stmts, created := call(1)
	require.True(t, created)
	require.Len(t, stmts, 1)
	assert.True(t, isStatement(stmts[0]), "a new shape sends the one statement")

	for range missCost + 1 { // hits until the record outweighs the miss
		stmts, created = call(1)
		require.False(t, created)
		require.Len(t, stmts, 1)
		assert.True(t, isStatement(stmts[0]))
	}
	for range 3 {
		stmts, created = call(1)
		require.False(t, created)
		require.Len(t, stmts, 1, "a hit is one round trip")
		assert.False(t, isStatement(stmts[0]), "hits look first: %s", stmts[0])
		assert.Contains(t, stmts[0], "LIMIT 1")
	}

	stmts, created = call(2) // a miss while looking first
	require.True(t, created)
	require.Len(t, stmts, 2, "the SELECT, then the one statement")
	assert.False(t, isStatement(stmts[0]))
	assert.True(t, isStatement(stmts[1]))

	stmts, created = call(3) // the record is back to zero: no looking first
	require.True(t, created)
	require.Len(t, stmts, 1, "a shape that misses sends the one statement alone")
	assert.True(t, isStatement(stmts[0]))
}

// fastPtrEmbed embeds CustomModel through a pointer: GORM reaches its
// fields with a negative index, which the fast path cannot take.
type fastPtrEmbed struct {
	*CustomModel
	Name string `gorm:"uniqueIndex"`
}

func TestFastPathLeavesPointerEmbeddedModelsToGORM(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testdb.New(t)
	const ns = "acme__fastptrembed"
	db := d.Scoped(t, ns)
	for _, s := range mustDDL(t, ns, &fastPtrEmbed{}) {
		require.NoError(t, d.DB.Exec(s).Error, s)
	}
	row, created, err := GetOrCreate(ctx, db, Lookup{"name": "a"}, &fastPtrEmbed{})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "a", row.Name)
	assert.False(t, fastModelOf[fastPtrEmbed](db).ok, "the general path serves it")
	_, created, err = UpdateOrCreate(ctx, db, Lookup{"name": "a"}, &fastPtrEmbed{})
	require.NoError(t, err)
	assert.False(t, created)
}

// TestFastPathDoesNotResendAfterALostAnswer: when the connection fails
// after the statement was sent, the call reports the failure; it does not
// send the statement again (which would report a row this call created as
// found, created false).
func TestFastPathDoesNotResendAfterALostAnswer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	d := testdb.New(t)
	const ns = "acme__fastlost"
	_ = d.Scoped(t, ns)
	for _, s := range mustDDL(t, ns, &fastRoom{}) {
		require.NoError(t, d.DB.Exec(s).Error, s)
	}
	// Armed, the proxy lets the next client write that holds the statement
	// through, then closes the connection instead of passing on the
	// server's answer: the statement ran (and committed), the client never
	// hears of it.
	var armed atomic.Bool
	p, err := pgproxy.Start(d.DSN, func() pgproxy.Hooks {
		var drop atomic.Bool
		return pgproxy.Hooks{
			FromClient: func(b []byte) {
				if armed.Load() && bytes.Contains(b, []byte(`customdata_found`)) {
					armed.Store(false)
					drop.Store(true)
				}
			},
			FromServer: func(b []byte) ([]byte, bool) {
				if drop.Load() {
					return nil, true
				}
				return b, false
			},
		}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	u, err := url.Parse(p.DSN())
	require.NoError(t, err)
	q := u.Query()
	q.Set("default_query_exec_mode", "exec") // the statement's text goes with each call
	u.RawQuery = q.Encode()

	sqlDB, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })
	require.NoError(t, sqlDB.PingContext(ctx))
	db, err := scope.Open(sqlDB, ns, scope.Options{})
	require.NoError(t, err)

	armed.Store(true)
	_, created, err := GetOrCreate(ctx, db, Lookup{"name": "lost"}, &fastRoom{Score: 1})
	require.Error(t, err, "the answer was lost: the call cannot know whether it created the row")
	assert.False(t, created)
	assert.Contains(t, err.Error(), "custommodel: fastRoom: ")
	var n int64
	require.NoError(t, d.DB.Raw(`SELECT count(*) FROM "`+ns+`"."fastroom" WHERE name = 'lost'`).Scan(&n).Error)
	assert.EqualValues(t, 1, n, "the statement ran once")

	row, created, err := GetOrCreate(ctx, db, Lookup{"name": "lost"}, &fastRoom{})
	require.NoError(t, err, "the next call works")
	assert.False(t, created)
	assert.Equal(t, 1.0, row.Score)
}
