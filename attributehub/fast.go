package attributehub

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/nscache"
	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
)

// The hot paths (SetAttribute, GetAttribute, SetAttributes, Attributes, and
// the read of a hub by (type, id) in Get and GetOrCreate) run
// outside a transaction on the pgx connection under the hub's *gorm.DB
// (internal/pgxconn): the same pool, role and session settings, a statement
// built once per namespace and prepared once per connection (or sent as the
// connection's exec mode says), values scanned without database/sql's
// conversions. They take GORM's path instead, as every other call does:
//   - in a transaction, or on a DB that is not a plain database/sql pool of
//     pgx connections (GORM's PrepareStmt, another driver);
//   - on a DB that carries an error (a closed handle's) or is in DryRun;
//   - for writes, on a DB marked as one whose GORM callbacks refuse writes
//     (a namespace read handle's, scope.Options.ReadOnly), so that the write is
//     refused before any round trip;
//   - to repeat a call whose statement PostgreSQL refused for lack of
//     privilege or a changed schema (nothing was written; see
//     fallbackCode), so that its error is GORM's, with the translations GORM
//     callbacks make (a read handle's ErrWriteDenied, say).
//
// GORM callbacks other than these are not run for a fast-path call;
// statements are still given to the DB's logger (Logger.Trace) unless it is
// logger.Discard.

// queries are the hot-path statements of one namespace, with $n placeholders.
type queries struct {
	// set[k] upserts one attribute of kind k: $1 hub_id, $2 name, $3 the
	// value's text (none for KindNull).
	set [len(valueColumns) + 1]string
	// setMany upserts many: $1 hub_id, $2 names (text[]), $3 kinds
	// (int2[]), $4 the values' text (text[]).
	setMany string
	// setSame[k] upserts many values all of kind k: $1 hub_id, $2 names
	// (text[]), $3 the values: bigint[] (KindInt), boolean[] (KindBool) or
	// their text (text[]) cast to the column's type.
	setSame [len(valueColumns) + 1]string
	// get reads one attribute: $1 hub_id, $2 name.
	get string
	// all reads every attribute of a hub: $1 hub_id.
	all string
	// lookup reads a hub's dbid: $1 type, $2 id.
	lookup string
}

// queryCache maps a quoted custom_attribute table name to its *queries.
// A namespace's entry goes when the namespace is dropped (nscache).
var queryCache sync.Map

func init() {
	nscache.OnForget(func(ns string) {
		queryCache.Delete(sqlident.Quote(ns, systables.CustomAttribute))
	})
}

// queriesFor returns the statements of the namespace whose tables are hub
// and attr (quoted, schema-qualified), building them on first use.
func queriesFor(hub, attr string) *queries {
	if q, ok := queryCache.Load(attr); ok {
		return q.(*queries)
	}
	q := &queries{}
	for k := range q.set {
		var b strings.Builder
		b.WriteString("INSERT INTO " + attr + " (" + columnList + ") VALUES ($1, $2")
		for i := range valueColumns {
			if Kind(i+1) == Kind(k) {
				b.WriteString(", " + boundValue(Kind(k), "$3"))
			} else {
				b.WriteString(", NULL")
			}
		}
		b.WriteString(")" + upsertTail)
		q.set[k] = b.String()
	}
	for k := KindText; int(k) < len(q.setSame); k++ {
		var b strings.Builder
		b.WriteString("INSERT INTO " + attr + " (" + columnList + ") SELECT CAST($1 AS bigint), u.n")
		for i := range valueColumns {
			if Kind(i+1) == k {
				b.WriteString(", u.v::" + valueColumns[i].sqlType)
			} else {
				b.WriteString(", NULL")
			}
		}
		b.WriteString(" FROM unnest(CAST($2 AS text[]), CAST($3 AS " + boundType(k) + "[])) AS u(n, v)" + upsertTail)
		q.setSame[k] = b.String()
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + attr + " (" + columnList + ") SELECT CAST($1 AS bigint), u.n")
	for i, c := range valueColumns {
		// CASE evaluates only the branch taken: each value is cast to its
		// own column's type only.
		b.WriteString(", CASE u.k WHEN " + strconv.Itoa(i+1) + " THEN u.v::" + c.sqlType + " END")
	}
	b.WriteString(" FROM unnest(CAST($2 AS text[]), CAST($3 AS int2[]), CAST($4 AS text[])) AS u(n, k, v)" + upsertTail)
	q.setMany = b.String()
	q.get = `SELECT ` + selectValues("a") + ` FROM ` + attr + ` a WHERE a.hub_id = $1 AND a.name = $2`
	q.all = `SELECT a.name, ` + selectValues("a") + ` FROM ` + attr + ` a WHERE a.hub_id = $1`
	q.lookup = `SELECT dbid FROM ` + hub + ` WHERE type = $1 AND id = $2`
	actual, _ := queryCache.LoadOrStore(attr, q)
	return actual.(*queries)
}

// boundType is the type a value of kind k is sent as on the hot paths:
// integers and booleans in binary, as bigint and boolean; every other kind
// as its text, which the statement casts to the column's type.
func boundType(k Kind) string {
	switch k {
	case KindInt, KindBool:
		return valueColumns[k-1].sqlType
	}
	return "text"
}

// boundValue is the SQL of parameter p holding a value of kind k, typed as
// k's column.
func boundValue(k Kind, p string) string {
	if t := boundType(k); t != "text" {
		return "CAST(" + p + " AS " + t + ")"
	}
	return "CAST(" + p + " AS text)::" + valueColumns[k-1].sqlType
}

// boundArg is the argument of a value e for boundValue.
func boundArg(e encoded) any {
	switch e.kind {
	case KindInt:
		return e.i
	case KindBool:
		return e.b
	}
	return e.text
}

// fastPool returns the pool to run a hot-path statement of h on, or false
// when the call takes GORM's path (see the rules above).
func (h *Hub) fastPool(ctx context.Context, write bool) (*sql.DB, bool) {
	db := h.db
	if ctx == nil || h.t.q == nil || db.Error != nil || db.DryRun || db.Config == nil {
		return nil, false
	}
	if write && scope.ReadOnly(db) {
		return nil, false
	}
	return pgxconn.Pool(db)
}

// errFallback asks the caller of runFast to take GORM's path.
var errFallback = errors.New("attributehub: take GORM's path")

// runFast runs f on a pgx connection of pool. It returns errFallback when
// the call must take GORM's path instead: the pool holds no pgx connections,
// or PostgreSQL refused the statement for a reason GORM callbacks may
// report in their own way (see fallbackCode); f then wrote nothing.
func (h *Hub) runFast(ctx context.Context, pool *sql.DB, f func(*pgx.Conn) error) error {
	ok, err := pgxconn.With(ctx, pool, f)
	if !ok {
		return errFallback
	}
	if err != nil {
		if pg := (*pgconn.PgError)(nil); errors.As(err, &pg) && fallbackCode(pg.Code) {
			return errFallback
		}
	}
	return err
}

// fallbackCode reports whether a fast-path statement refused with SQLSTATE
// code is run again through GORM: access and schema errors (class 42, such
// as insufficient_privilege, which a namespace read handle's callbacks
// report as a denied write, or a table another session dropped) and
// feature_not_supported (0A000: a prepared statement whose result type a
// schema change altered). Other refusals (a foreign key, a value out of
// range, a timeout) are reported at once: GORM's path would send the
// statement again only to report them the same way.
func fallbackCode(code string) bool {
	return strings.HasPrefix(code, "42") || code == "0A000"
}

// trace gives a fast-path statement to h's logger, as GORM does for its
// own; a logger.Discard logger costs nothing.
func (h *Hub) trace(ctx context.Context, begin time.Time, query string, rows int64, err error, args ...any) {
	lg := h.db.Logger
	if lg == nil || lg == logger.Discard {
		return
	}
	db := h.db
	lg.Trace(ctx, begin, func() (string, int64) {
		return db.Dialector.Explain(query, args...), rows
	}, err)
}

// traceStart is when a hot-path statement starts, for trace; logged is
// false (and no clock is read) when h's statements go unlogged.
func (h *Hub) traceStart() (begin time.Time, logged bool) {
	if h.discardLogger() {
		return time.Time{}, false
	}
	return time.Now(), true
}

// discardLogger reports whether h's statements go unlogged, so that the hot
// paths need not keep their arguments for trace.
func (h *Hub) discardLogger() bool {
	lg := h.db.Logger
	return lg == nil || lg == logger.Discard
}

// setFast is SetAttribute's fast path.
func (h *Hub) setFast(ctx context.Context, pool *sql.DB, name string, e encoded) error {
	query := h.t.q.set[e.kind]
	begin, logged := h.traceStart()
	var (
		tag pgconn.CommandTag
		arg any
	)
	if e.kind != KindNull {
		arg = boundArg(e)
	}
	err := h.runFast(ctx, pool, func(c *pgx.Conn) (err error) {
		if e.kind == KindNull {
			tag, err = c.Exec(ctx, query, h.DBID, name)
		} else {
			tag, err = c.Exec(ctx, query, h.DBID, name, arg)
		}
		return err
	})
	if logged && err != errFallback {
		if e.kind == KindNull {
			h.trace(ctx, begin, query, tag.RowsAffected(), err, h.DBID, name)
		} else {
			h.trace(ctx, begin, query, tag.RowsAffected(), err, h.DBID, name, arg)
		}
	}
	return err
}

// setManyFast is SetAttributes' fast path. Values all of one kind are
// sent as one array of that kind (setSame); others as their kinds and
// texts (setMany).
func (h *Hub) setManyFast(ctx context.Context, pool *sql.DB, b *batch) error {
	query, args := h.t.q.setMany, []any{h.DBID, b.names, b.kinds, b.texts}
	switch k := b.same; k {
	case KindNull: // mixed kinds, or all nil
	case KindInt:
		query, args = h.t.q.setSame[k], []any{h.DBID, b.names, b.ints}
	case KindBool:
		query, args = h.t.q.setSame[k], []any{h.DBID, b.names, b.bools}
	default:
		query, args = h.t.q.setSame[k], []any{h.DBID, b.names, b.texts}
	}
	begin, logged := h.traceStart()
	var tag pgconn.CommandTag
	err := h.runFast(ctx, pool, func(c *pgx.Conn) (err error) {
		tag, err = c.Exec(ctx, query, args...)
		return err
	})
	if logged && err != errFallback {
		h.trace(ctx, begin, query, tag.RowsAffected(), err, args...)
	}
	return err
}

// getFast is GetAttribute's fast path; a missing attribute is pgx.ErrNoRows.
func (h *Hub) getFast(ctx context.Context, pool *sql.DB, name string, r *storedRow) error {
	query := h.t.q.get
	begin, logged := h.traceStart()
	err := h.runFast(ctx, pool, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, query, h.DBID, name).Scan(r.dest()...)
	})
	if logged && err != errFallback {
		var n int64
		if err == nil {
			n = 1
		}
		h.trace(ctx, begin, query, n, err, h.DBID, name)
	}
	return err
}

// attributesFast is Attributes' fast path; see attributesOf for the
// result.
func (h *Hub) attributesFast(ctx context.Context, pool *sql.DB) (map[string]any, error) {
	query := h.t.q.all
	begin, logged := h.traceStart()
	var (
		m   map[string]any
		bad []error
		n   int64
	)
	err := h.runFast(ctx, pool, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, h.DBID)
		if err != nil {
			return err
		}
		defer rows.Close()
		m, bad, n = map[string]any{}, nil, 0
		var (
			name string
			r    storedRow
		)
		dest := append([]any{&name}, r.dest()...)
		for rows.Next() {
			n++
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			v, err := r.readValue(name, h)
			if err != nil {
				bad = append(bad, err)
				continue
			}
			m[name] = v
		}
		return rows.Err()
	})
	if logged && err != errFallback {
		h.trace(ctx, begin, query, n, err, h.DBID)
	}
	if err != nil {
		if err == errFallback {
			return nil, err
		}
		return nil, wrapDB(err, "get attributes of hub %s", h)
	}
	return m, readErrors(bad)
}

// lookupFast is the fast path of lookup: it reads h's DBID by h.Type and
// h.ID; a missing hub is pgx.ErrNoRows.
func (h *Hub) lookupFast(ctx context.Context, pool *sql.DB) error {
	query := h.t.q.lookup
	begin, logged := h.traceStart()
	err := h.runFast(ctx, pool, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, query, h.Type, h.ID).Scan(&h.DBID)
	})
	if logged && err != errFallback {
		var n int64
		if err == nil {
			n = 1
		}
		h.trace(ctx, begin, query, n, err, h.Type, h.ID)
	}
	return err
}
