package attributehub

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Query selects hubs: of some types (or any), whose attributes pass a
// filter, in an order, a slice at a time. Build one with Hubs; each method
// returns a new Query and leaves the receiver unchanged, so a Query can be
// shared and extended. A Query runs as one statement (Find, Page, Count).
//
//	hubs, err := attributehub.Hubs("task").
//		Where(attributehub.Or(
//			attributehub.Where("priority").Gte(3),
//			attributehub.Where("status").IContains("urgent"))).
//		OrderBy(attributehub.ByValue("priority", attributehub.KindInt).Desc()).
//		Limit(20).
//		Find(ctx, db)
type Query struct {
	types  []string
	where  []Filter
	order  Order
	limit  int
	offset int
	after  Cursor
	err    error
}

// Hubs starts a query on the hubs of the given types; with none, on hubs of
// every type.
func Hubs(types ...string) Query {
	q := Query{types: append([]string(nil), types...)}
	for _, t := range types {
		if err := checkHubField("type", t); err != nil {
			q.err = err
			break
		}
	}
	return q
}

// Where adds filters; a hub must pass all of them (and all of those added
// before).
func (q Query) Where(fs ...Filter) Query {
	q.where = append(append([]Filter(nil), q.where...), fs...)
	return q
}

// OrderBy sets the order (the default is ByID).
func (q Query) OrderBy(o Order) Query {
	q.order = o
	return q
}

// Limit returns at most n hubs (0: no limit). A negative n is an error.
func (q Query) Limit(n int) Query {
	if n < 0 && q.err == nil {
		q.err = fmt.Errorf("%w: Limit(%d) is negative", ErrInvalidQuery, n)
	}
	q.limit = n
	return q
}

// Offset skips the first n hubs. A negative n is an error. For paging
// through many hubs prefer After, whose cost does not grow with the page
// number and which neither skips nor repeats hubs when others are inserted
// or deleted meanwhile.
func (q Query) Offset(n int) Query {
	if n < 0 && q.err == nil {
		q.err = fmt.Errorf("%w: Offset(%d) is negative", ErrInvalidQuery, n)
	}
	q.offset = n
	return q
}

// After starts the query after the hub that c (from Page) was taken at:
// keyset pagination. The cursor must come from a query with the same order;
// "" starts at the beginning.
func (q Query) After(c Cursor) Query {
	q.after = c
	return q
}

// Order is the order of a Query's hubs. The zero Order is ByID.
type Order struct {
	name string // attribute; "" orders by hub id
	kind Kind
	desc bool
	err  error
}

// ByID orders hubs by their id, then by dbid (which breaks ties between
// hubs of different types with the same id).
func ByID() Order { return Order{} }

// ByValue orders hubs by the value of their attribute name in the column of
// kind k (text, int, decimal, bool, date or timestamp), ascending; ties are
// broken by dbid. Hubs without the attribute, with a stored nil or with a
// value of another kind come last, in either direction (NULLS LAST).
func ByValue(name string, k Kind) Order {
	o := Order{name: name, kind: k}
	if err := checkName(name); err != nil {
		o.err = err
	} else if k == KindNull || k == KindJSON || k.Column() == "" {
		o.err = fmt.Errorf("%w: ByValue(%q, %s): only text, int, decimal, bool, date and timestamp values are ordered", ErrInvalidQuery, name, k)
	}
	return o
}

// Desc returns the order reversed (missing values still come last, and
// ties are still broken by ascending dbid).
func (o Order) Desc() Order {
	o.desc = !o.desc
	return o
}

// key identifies the order in a Cursor.
func (o Order) key() string {
	if o.name == "" {
		return "id"
	}
	dir := "asc"
	if o.desc {
		dir = "desc"
	}
	return "value:" + o.kind.String() + ":" + dir + ":" + o.name
}

// sortText is the expression giving the text form of the sort value of
// alias o, stable across session settings (it travels in cursors).
func (o Order) sortText(a string) string {
	col := a + "." + o.kind.Column()
	switch o.kind {
	case KindDate:
		return "to_char(" + col + ", 'YYYY-MM-DD')"
	case KindTimestamp:
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
	case KindText:
		return col
	}
	return col + "::text"
}

// Cursor marks a place in a Query's order: Page returns the cursor of the
// last hub it returned, and After(cursor) continues from there. It is an
// opaque string, safe to hand to a client and take back.
type Cursor string

type cursorData struct {
	Order string  `json:"o"`
	Value *string `json:"v,omitempty"`
	ID    string  `json:"i,omitempty"`
	DBID  int64   `json:"d"`
}

func (c cursorData) encode() Cursor {
	b, _ := json.Marshal(c)
	return Cursor(base64.RawURLEncoding.EncodeToString(b))
}

func (c Cursor) decode(o Order) (cursorData, error) {
	var d cursorData
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err == nil {
		err = json.Unmarshal(b, &d)
	}
	if err != nil {
		return d, fmt.Errorf("%w: After: the cursor is not one Page returned", ErrInvalidQuery)
	}
	if d.Order != o.key() {
		return d, fmt.Errorf("%w: After: the cursor was made for order %q, this query orders by %q", ErrInvalidQuery, d.Order, o.key())
	}
	return d, nil
}

func (q Query) check() error {
	if q.err != nil {
		return q.err
	}
	if q.order.err != nil {
		return q.order.err
	}
	for i, f := range q.where {
		if f == nil {
			return fmt.Errorf("%w: Where: filter %d is nil", ErrInvalidQuery, i)
		}
		if err := f.check(); err != nil {
			return err
		}
	}
	return nil
}

// from appends FROM and WHERE (types, filters) to b.
func (q Query) from(b *strings.Builder, args []any, t tables) []any {
	b.WriteString(" FROM " + t.hub + " h WHERE TRUE")
	return q.conds(b, args, t)
}

// conds appends " AND ..." for the types and filters, on hub alias h.
func (q Query) conds(b *strings.Builder, args []any, t tables) []any {
	switch len(q.types) {
	case 0:
	case 1:
		b.WriteString(" AND h.type = ?")
		args = append(args, q.types[0])
	default:
		b.WriteString(" AND h.type = ANY(CAST(? AS text[]))")
		args = append(args, textArray(q.types))
	}
	for _, f := range q.where {
		b.WriteString(" AND ")
		args = f.hubSQL(b, args, t.attr)
	}
	return args
}

// sliceSQL appends LIMIT and OFFSET; extra selects more rows than the limit.
func (q Query) sliceSQL(b *strings.Builder, args []any, extra int) []any {
	if q.limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, q.limit+extra)
	}
	if q.offset > 0 {
		b.WriteString(" OFFSET ?")
		args = append(args, q.offset)
	}
	return args
}

// sql builds the query; extra selects one more row than the limit.
func (q Query) sql(t tables, extra int) (string, []any, error) {
	var d cursorData
	if q.after != "" {
		var err error
		if d, err = q.after.decode(q.order); err != nil {
			return "", nil, err
		}
	}
	if q.order.name != "" {
		s, args := q.valueSQL(t, extra, d)
		return s, args, nil
	}
	var b strings.Builder
	b.WriteString("SELECT h.dbid, h.type, h.id, NULL::text")
	args := q.from(&b, nil, t)
	if q.after != "" {
		// h.id >= ? lets an index on (type, id) start at the cursor.
		b.WriteString(" AND h.id >= ? AND (h.id, h.dbid) > (?, ?)")
		args = append(args, d.ID, d.ID, d.DBID)
	}
	b.WriteString(" ORDER BY h.id, h.dbid")
	args = q.sliceSQL(&b, args, extra)
	return b.String(), args, nil
}

// valueSQL builds a query ordered by an attribute's value in two parts: v,
// the hubs that have a value of the kind, walked in the order of the
// column's index and stopped at the rows the slice needs; then the hubs
// that have none, by dbid, read only when v falls short of the slice
// (finding hubs without a value has no index to use). The outer ORDER BY
// sorts only what the parts return.
func (q Query) valueSQL(t tables, extra int, d cursorData) (string, []any) {
	col := "o." + q.order.kind.Column()
	typ := valueColumns[q.order.kind-1].sqlType
	dir := "ASC"
	if q.order.desc {
		dir = "DESC"
	}
	inner := 0
	if q.limit > 0 {
		inner = q.limit + extra + q.offset
	}
	withValues := q.after == "" || d.Value != nil
	var b strings.Builder
	var args []any
	if withValues {
		b.WriteString("WITH v AS MATERIALIZED (SELECT 0 AS part, h.dbid, h.type, h.id, " + col + " AS v, " + q.order.sortText("o") + " AS vt FROM " +
			t.attr + " o JOIN " + t.hub + " h ON h.dbid = o.hub_id WHERE o.name = ? AND " + col + " IS NOT NULL")
		args = append(args, q.order.name)
		args = q.conds(&b, args, t)
		if d.Value != nil {
			// The redundant bound lets the column's index start at the
			// cursor.
			bound, cmp := ">=", ">"
			if q.order.desc {
				bound, cmp = "<=", "<"
			}
			b.WriteString(" AND " + col + " " + bound + " CAST(? AS text)::" + typ + " AND (" + col + " " + cmp + " CAST(? AS text)::" + typ +
				" OR o.hub_id > ?)")
			args = append(args, *d.Value, *d.Value, d.DBID)
		}
		b.WriteString(" ORDER BY " + col + " " + dir + ", o.hub_id")
		if inner > 0 {
			b.WriteString(" LIMIT ?")
			args = append(args, inner)
		}
		b.WriteString(") ")
	}
	b.WriteString("SELECT dbid, type, id, vt FROM (")
	if withValues {
		b.WriteString("SELECT * FROM v UNION ALL ")
	}
	b.WriteString("(SELECT 1 AS part, h.dbid, h.type, h.id, CAST(NULL AS " + typ + ") AS v, NULL::text AS vt FROM " + t.hub +
		" h WHERE NOT EXISTS (SELECT 1 FROM " + t.attr + " o WHERE o.hub_id = h.dbid AND o.name = ? AND " + col + " IS NOT NULL)")
	args = append(args, q.order.name)
	args = q.conds(&b, args, t)
	if !withValues {
		b.WriteString(" AND h.dbid > ?")
		args = append(args, d.DBID)
	} else if inner > 0 {
		// Evaluated once, before this part runs: a full v skips it.
		b.WriteString(" AND (SELECT count(*) FROM v) < ?")
		args = append(args, inner)
	}
	b.WriteString(" ORDER BY h.dbid")
	if inner > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, inner)
	}
	b.WriteString(")) q ORDER BY part, v " + dir + ", dbid")
	args = q.sliceSQL(&b, args, extra)
	return b.String(), args
}

// SQL returns the statement Find would run and its parameters, for EXPLAIN
// and logging. db only names the namespace's tables.
func (q Query) SQL(db *gorm.DB) (string, []any, error) {
	if err := q.check(); err != nil {
		return "", nil, err
	}
	t, err := tablesOf(db)
	if err != nil {
		return "", nil, err
	}
	return q.sql(t, 0)
}

// Find returns the hubs the query selects, in its order, in one statement.
func (q Query) Find(ctx context.Context, db *gorm.DB) ([]*Hub, error) {
	hubs, _, err := q.run(ctx, db, 0)
	return hubs, err
}

// Page returns the next Limit hubs (Limit must be set) and the cursor to
// pass to After for the page after them; next is "" when there are no more
// hubs. Pages taken one after the other return every hub once, even when
// hubs are inserted or deleted meanwhile (those may or may not appear), as
// long as the sort value of a hub does not change between pages.
func (q Query) Page(ctx context.Context, db *gorm.DB) (hubs []*Hub, next Cursor, err error) {
	if q.limit == 0 {
		return nil, "", fmt.Errorf("%w: Page needs a Limit", ErrInvalidQuery)
	}
	hubs, keys, err := q.run(ctx, db, 1)
	if err != nil || len(hubs) <= q.limit {
		return hubs, "", err
	}
	hubs, last := hubs[:q.limit], q.limit-1
	d := cursorData{Order: q.order.key(), DBID: hubs[last].DBID}
	if q.order.name == "" {
		d.ID = hubs[last].ID
	} else if keys[last].Valid {
		d.Value = &keys[last].String
	}
	return hubs, d.encode(), nil
}

func (q Query) run(ctx context.Context, db *gorm.DB, extra int) ([]*Hub, []sql.NullString, error) {
	if err := q.check(); err != nil {
		return nil, nil, err
	}
	t, err := tablesOf(db)
	if err != nil {
		return nil, nil, err
	}
	query, args, err := q.sql(t, extra)
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, nil, wrapDB(err, "query hubs")
	}
	defer rows.Close()
	var hubs []*Hub
	var keys []sql.NullString
	for rows.Next() {
		h := &Hub{db: db, t: t}
		var k sql.NullString
		if err := rows.Scan(&h.DBID, &h.Type, &h.ID, &k); err != nil {
			return nil, nil, wrapDB(err, "query hubs")
		}
		hubs = append(hubs, h)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, wrapDB(err, "query hubs")
	}
	return hubs, keys, nil
}

// Count returns how many hubs the query's types and filters select, in one
// statement; its order, Limit, Offset and After are ignored.
func (q Query) Count(ctx context.Context, db *gorm.DB) (int64, error) {
	if err := q.check(); err != nil {
		return 0, err
	}
	t, err := tablesOf(db)
	if err != nil {
		return 0, err
	}
	query, args := q.countSQL(t)
	var n int64
	if err := db.WithContext(ctx).Raw(query, args...).Row().Scan(&n); err != nil {
		return 0, wrapDB(err, "count hubs")
	}
	return n, nil
}

// countSQL builds Count's statement.
func (q Query) countSQL(t tables) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT count(*)")
	args := q.from(&b, nil, t)
	return b.String(), args
}

// pageSQL builds Page's statement (one row more than the limit).
func (q Query) pageSQL(t tables) (string, []any, error) { return q.sql(t, 1) }
