package bench

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm/clause"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/custommodel"
)

// opFunc runs one operation once: worker w, its i-th call.
type opFunc func(ctx context.Context, e *env, c *clients, w, i int) error

type variant struct {
	name string
	fn   opFunc
}

// operation is one row group of the table.
type operation struct {
	name    string
	group   string
	workers int // goroutines; 0 means 1
	rows    int // growth: rows in the table
	models  int // installs: models installed
	// single: each round runs the operation once (installs that take
	// long), with no warm-up.
	single   bool
	variants []variant
	// setup runs before the operation's first round.
	setup func(ctx context.Context, e *env) error
}

// Variant names.
const (
	vSDK       = "sdk"
	vPgx       = "pgx"
	vPgxSelect = "pgx-select"
	vGORM      = "gorm"
	vPgxpool   = "pgxpool"
)

// The hand-written statements of the pgx variants: what a pgx user who
// knows the table writes, one statement each, prepared once per
// connection (pgx's statement cache).
var (
	roomCols = "dbid, name, capacity, active, note"

	// pgxGetOrCreate is the SDK's race-safe one-statement get-or-create,
	// written by hand for this table.
	pgxGetOrCreate = `WITH found AS (SELECT ` + roomCols + ` FROM %[1]s WHERE name = $1 LIMIT 1),
made AS (INSERT INTO %[1]s (name, capacity, active, note) SELECT $1, $2, $3, $4
  WHERE NOT EXISTS (SELECT 1 FROM found) ON CONFLICT DO NOTHING RETURNING ` + roomCols + `)
SELECT ` + roomCols + `, false FROM found UNION ALL SELECT ` + roomCols + `, true FROM made`

	pgxSelectRoom = `SELECT ` + roomCols + ` FROM %[1]s WHERE name = $1`

	pgxUpdateOrCreate = `INSERT INTO %[1]s AS cur (name, capacity, active, note) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET capacity = EXCLUDED.capacity, active = EXCLUDED.active, note = EXCLUDED.note
RETURNING ` + roomCols + `, (cur.xmax = 0)`

	attrUpsertTail = ` ON CONFLICT (hub_id, name) DO UPDATE SET text_value = EXCLUDED.text_value,
int_value = EXCLUDED.int_value, decimal_value = EXCLUDED.decimal_value, bool_value = EXCLUDED.bool_value,
date_value = EXCLUDED.date_value, timestamp_value = EXCLUDED.timestamp_value, json_value = EXCLUDED.json_value`

	pgxSetAttribute = `INSERT INTO ` + ns + `.custom_attribute (hub_id, name, int_value) VALUES ($1, $2, $3)` + attrUpsertTail

	pgxSetAttributes = `INSERT INTO ` + ns + `.custom_attribute (hub_id, name, int_value)
SELECT $1, u.n, u.v FROM unnest($2::text[], $3::bigint[]) AS u(n, v)` + attrUpsertTail

	attrCols = `text_value, int_value, decimal_value, bool_value, date_value, timestamp_value, json_value`

	pgxGetAttribute = `SELECT ` + attrCols + ` FROM ` + ns + `.custom_attribute WHERE hub_id = $1 AND name = $2`

	pgxAttributes = `SELECT name, ` + attrCols + ` FROM ` + ns + `.custom_attribute WHERE hub_id = $1`
)

func roomSQL(q, table string) string { return fmt.Sprintf(q, ns+"."+table) }

// The room statements, made once.
var (
	sqlGetOrCreateRoom    = roomSQL(pgxGetOrCreate, "room")
	sqlGetOrCreateGrowth  = roomSQL(pgxGetOrCreate, "growthroom")
	sqlSelectRoom         = roomSQL(pgxSelectRoom, "room")
	sqlUpdateOrCreateRoom = roomSQL(pgxUpdateOrCreate, "room")
)

// hundred are two sets of 100 attribute values, written in turn so that
// every SetAttributes changes every row.
var hundred = func() [2]map[string]any {
	var h [2]map[string]any
	for s := range h {
		h[s] = map[string]any{}
		for i := range 100 {
			h[s][hundredNames[i]] = int64(i + s)
		}
	}
	return h
}()

var hundredNames = func() []string {
	n := make([]string, 100)
	for i := range n {
		n[i] = fmt.Sprintf("k%03d", i)
	}
	return n
}()

// The same values as slices, for pgx and GORM.
var (
	hundredValues = func() (v [2][]int64) {
		for s := range v {
			v[s] = make([]int64, 100)
			for i := range v[s] {
				v[s][i] = int64(i + s)
			}
		}
		return v
	}()
	hundredRows = func() (r [2][]gormAttr) {
		for s := range r {
			r[s] = make([]gormAttr, 100)
			for i := range r[s] {
				r[s][i] = gormAttr{Name: hundredNames[i], IntValue: &hundredValues[s][i]}
			}
		}
		return r
	}()
)

// roomRow receives a room from pgx.
type roomRow struct {
	DBID     int64
	Name     string
	Capacity int64
	Active   bool
	Note     string
}

func (r *roomRow) dest(extra ...any) []any {
	return append([]any{&r.DBID, &r.Name, &r.Capacity, &r.Active, &r.Note}, extra...)
}

// rowQuerier is a pgx.Conn or a pgxpool.Pool.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// sdkGetOrCreate is what plugin code writes.
func sdkGetOrCreate[T Room | GrowthRoom](ctx context.Context, c *clients, name string, wantCreated bool) error {
	_, created, err := custommodel.GetOrCreate(ctx, c.h.DB(ctx), custommodel.Lookup{"name": name}, &T{})
	if err == nil && created != wantCreated {
		err = fmt.Errorf("GetOrCreate %q: created %v", name, created)
	}
	return err
}

// pgxGetOrCreateRow runs the hand-written statement, again if a concurrent
// insert won (as the SDK does).
func pgxGetOrCreateRow(ctx context.Context, q rowQuerier, stmt, name string, wantCreated bool) error {
	var r roomRow
	var created bool
	for range 3 {
		err := q.QueryRow(ctx, stmt, name, int64(2), false, "").Scan(r.dest(&created)...)
		if err == pgx.ErrNoRows {
			continue
		}
		if err == nil && created != wantCreated {
			err = fmt.Errorf("get or create %q: created %v", name, created)
		}
		return err
	}
	return fmt.Errorf("get or create %q: no row", name)
}

func gormGetOrCreate(ctx context.Context, c *clients, name string) error {
	var r gormRoom
	return c.gorm.WithContext(ctx).Where(gormRoom{Name: name}).Attrs(gormRoom{Capacity: 2}).FirstOrCreate(&r).Error
}

// attrValue decodes a hand-scanned attribute row to its Go value.
type attrRow struct {
	text pgtype.Text
	i    pgtype.Int8
	dec  pgtype.Numeric
	b    pgtype.Bool
	date pgtype.Date
	ts   pgtype.Timestamptz
	js   []byte
}

func (r *attrRow) dest() []any {
	return []any{&r.text, &r.i, &r.dec, &r.b, &r.date, &r.ts, &r.js}
}

func (r *attrRow) value() any {
	switch {
	case r.text.Valid:
		return r.text.String
	case r.i.Valid:
		return r.i.Int64
	case r.dec.Valid:
		return r.dec
	case r.b.Valid:
		return r.b.Bool
	case r.date.Valid:
		return r.date.Time
	case r.ts.Valid:
		return r.ts.Time
	case r.js != nil:
		return r.js
	}
	return nil
}

func pgxGetAttr(ctx context.Context, c *clients, hubID int64, name string) error {
	var r attrRow
	if err := c.conn.QueryRow(ctx, pgxGetAttribute, hubID, name).Scan(r.dest()...); err != nil {
		return err
	}
	if _, ok := r.value().(int64); !ok {
		return fmt.Errorf("attribute %q: got %T", name, r.value())
	}
	return nil
}

func sdkGetAttr(ctx context.Context, h *attributehub.Hub, name string) error {
	v, ok, err := h.GetAttribute(ctx, name)
	if err == nil && !ok {
		return fmt.Errorf("attribute %q missing", name)
	}
	if _, isInt := v.(int64); err == nil && !isInt {
		return fmt.Errorf("attribute %q: got %T", name, v)
	}
	return err
}

func gormGetAttr(ctx context.Context, c *clients, hubID int64, name string) error {
	var a gormAttr
	if err := c.gorm.WithContext(ctx).Where("hub_id = ? AND name = ?", hubID, name).Take(&a).Error; err != nil {
		return err
	}
	if a.IntValue == nil {
		return fmt.Errorf("attribute %q: no int", name)
	}
	return nil
}

// hotOps are the single-goroutine hot paths of the table.
func hotOps() []operation {
	hit := "hit"
	return []operation{
		{name: "GetOrCreate hit", group: "hot", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return sdkGetOrCreate[Room](ctx, c, hit, false)
			}},
			{vPgx, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return pgxGetOrCreateRow(ctx, c.conn, sqlGetOrCreateRoom, hit, false)
			}},
			{vPgxSelect, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				var r roomRow
				return c.conn.QueryRow(ctx, sqlSelectRoom, hit).Scan(r.dest()...)
			}},
			{vGORM, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return gormGetOrCreate(ctx, c, hit)
			}},
		}},
		{name: "GetOrCreate miss", group: "hot", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return sdkGetOrCreate[Room](ctx, c, e.missKey(), true)
			}},
			{vPgx, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return pgxGetOrCreateRow(ctx, c.conn, sqlGetOrCreateRoom, e.missKey(), true)
			}},
			{vGORM, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return gormGetOrCreate(ctx, c, e.missKey())
			}},
		}},
		{name: "UpdateOrCreate", group: "hot", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, i int) error {
				_, created, err := custommodel.UpdateOrCreate(ctx, c.h.DB(ctx), custommodel.Lookup{"name": "upd"}, &Room{Capacity: int64(i), Active: true, Note: "n"})
				if err == nil && created && i > 0 {
					err = fmt.Errorf("UpdateOrCreate created again")
				}
				return err
			}},
			{vPgx, func(ctx context.Context, e *env, c *clients, _, i int) error {
				var r roomRow
				var created bool
				return c.conn.QueryRow(ctx, sqlUpdateOrCreateRoom, "upd", int64(i), true, "n").Scan(r.dest(&created)...)
			}},
			{vGORM, func(ctx context.Context, e *env, c *clients, _, i int) error {
				var r gormRoom
				return c.gorm.WithContext(ctx).Where(gormRoom{Name: "upd"}).Assign(gormRoom{Capacity: int64(i), Active: true, Note: "n"}).FirstOrCreate(&r).Error
			}},
		}},
		{name: "SetAttribute", group: "hot", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, i int) error {
				return c.hub.SetAttribute(ctx, "k", int64(i))
			}},
			{vPgx, func(ctx context.Context, e *env, c *clients, _, i int) error {
				_, err := c.conn.Exec(ctx, pgxSetAttribute, c.hub.DBID, "k", int64(i))
				return err
			}},
			{vGORM, func(ctx context.Context, e *env, c *clients, _, i int) error {
				v := int64(i)
				return c.gorm.WithContext(ctx).Clauses(clause.OnConflict{
					Columns:   []clause.Column{{Name: "hub_id"}, {Name: "name"}},
					UpdateAll: true,
				}).Create(&gormAttr{HubID: c.hub.DBID, Name: "k", IntValue: &v}).Error
			}},
		}},
		{name: "GetAttribute", group: "hot", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error { return sdkGetAttr(ctx, c.hub, "k") }},
			{vPgx, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return pgxGetAttr(ctx, c, c.hub.DBID, "k")
			}},
			{vGORM, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return gormGetAttr(ctx, c, c.hub.DBID, "k")
			}},
		}},
		{name: "SetAttributes (100)", group: "hot", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, i int) error {
				return c.hub100.SetAttributes(ctx, hundred[i%2])
			}},
			{vPgx, func(ctx context.Context, e *env, c *clients, _, i int) error {
				_, err := c.conn.Exec(ctx, pgxSetAttributes, c.hub100.DBID, hundredNames, hundredValues[i%2])
				return err
			}},
			{vGORM, func(ctx context.Context, e *env, c *clients, _, i int) error {
				rows := hundredRows[i%2]
				for j := range rows {
					rows[j].HubID = c.hub100.DBID
				}
				return c.gorm.WithContext(ctx).Clauses(clause.OnConflict{
					Columns:   []clause.Column{{Name: "hub_id"}, {Name: "name"}},
					UpdateAll: true,
				}).Create(&rows).Error
			}},
		}},
		{name: "Attributes (100)", group: "hot", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				m, err := c.hub100.Attributes(ctx)
				return checkHundred(len(m), err)
			}},
			{vPgx, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				rows, err := c.conn.Query(ctx, pgxAttributes, c.hub100.DBID)
				if err != nil {
					return err
				}
				defer rows.Close()
				m := map[string]any{}
				for rows.Next() {
					var name string
					var r attrRow
					if err := rows.Scan(append([]any{&name}, r.dest()...)...); err != nil {
						return err
					}
					m[name] = r.value()
				}
				return checkHundred(len(m), rows.Err())
			}},
			{vGORM, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				var rows []gormAttr
				if err := c.gorm.WithContext(ctx).Where("hub_id = ?", c.hub100.DBID).Find(&rows).Error; err != nil {
					return err
				}
				m := make(map[string]any, len(rows))
				for _, r := range rows {
					m[r.Name] = *r.IntValue
				}
				return checkHundred(len(m), nil)
			}},
		}},
	}
}

func checkHundred(n int, err error) error {
	if err == nil && n != 100 {
		err = fmt.Errorf("got %d attributes, want 100", n)
	}
	return err
}

// handleOps are Open of a cached handle and the installs.
func handleOps(e *env) []operation {
	return []operation{
		{name: "Open (cached handle)", group: "handle", variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				h, err := c.mgr.Open(ctx, ns, e.keys.ReadWrite)
				if err != nil {
					return err
				}
				return h.Close()
			}},
		}},
		reinstallOp("re-install (20 unchanged models)", "handle", 20),
		firstInstallOp("first install (20 models)", "handle", 20),
	}
}

func reinstallOp(name, group string, n int) operation {
	var key string
	target := "bench__re" + strconv.Itoa(n)
	return operation{name: name, group: group, models: n,
		setup: func(ctx context.Context, e *env) error {
			inst, err := installPlugin(ctx, e.direct.mgr, target, n, "")
			if err != nil {
				return fmt.Errorf("bench: install %d models: %w", n, err)
			}
			key = inst.Keys.ReadWrite
			return nil
		},
		variants: []variant{{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
			inst, err := installPlugin(ctx, c.mgr, target, n, key)
			if err == nil && len(inst.DDL) > 0 {
				err = fmt.Errorf("re-install of unchanged models ran %d DDL statements", len(inst.DDL))
			}
			return err
		}}},
	}
}

func firstInstallOp(name, group string, n int) operation {
	return operation{name: name, group: group, models: n, single: true,
		variants: []variant{{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
			target := "bench__new" + strconv.FormatInt(e.nsNext.Add(1), 10)
			inst, err := installPlugin(ctx, c.mgr, target, n, "")
			if err == nil && !inst.Created {
				err = fmt.Errorf("install into %s did not create it", target)
			}
			return err
		}}},
	}
}

// concurrencyOps are GetOrCreate hit and SetAttribute with many
// goroutines, the SDK's handle pool against a pgxpool of the same size.
func concurrencyOps(levels []int) []operation {
	var ops []operation
	for _, n := range levels {
		ops = append(ops, operation{name: "GetOrCreate hit", group: "concurrency", workers: n, variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return sdkGetOrCreate[Room](ctx, c, "hit", false)
			}},
			{vPgxpool, func(ctx context.Context, e *env, c *clients, _, _ int) error {
				return pgxGetOrCreateRow(ctx, c.pool, sqlGetOrCreateRoom, "hit", false)
			}},
		}})
	}
	for _, n := range levels {
		ops = append(ops, operation{name: "SetAttribute", group: "concurrency", workers: n, variants: []variant{
			{vSDK, func(ctx context.Context, e *env, c *clients, w, i int) error {
				return c.hub.SetAttribute(ctx, e.workerNames[w], int64(i))
			}},
			{vPgxpool, func(ctx context.Context, e *env, c *clients, w, i int) error {
				_, err := c.pool.Exec(ctx, pgxSetAttribute, c.hub.DBID, e.workerNames[w], int64(i))
				return err
			}},
		}})
	}
	return ops
}

// growthOps are the hit and GetAttribute at each table size, then the
// installs at each model count.
func growthOps(sizes, models []int) []operation {
	var ops []operation
	for _, n := range sizes {
		grow := func(ctx context.Context, e *env) error { return e.grow(ctx, n) }
		ops = append(ops,
			operation{name: "GetOrCreate hit", group: "growth", rows: n, setup: grow, variants: []variant{
				{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
					return sdkGetOrCreate[GrowthRoom](ctx, c, "g0", false)
				}},
				{vPgx, func(ctx context.Context, e *env, c *clients, _, _ int) error {
					return pgxGetOrCreateRow(ctx, c.conn, sqlGetOrCreateGrowth, "g0", false)
				}},
			}},
			operation{name: "GetAttribute", group: "growth", rows: n, setup: grow, variants: []variant{
				{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error { return sdkGetAttr(ctx, c.ghub, "k050") }},
				{vPgx, func(ctx context.Context, e *env, c *clients, _, _ int) error {
					return pgxGetAttr(ctx, c, c.ghub.DBID, "k050")
				}},
			}},
		)
	}
	for _, n := range models {
		ops = append(ops,
			firstInstallOp(fmt.Sprintf("first install (%d models)", n), "growth", n),
			reinstallOp(fmt.Sprintf("re-install (%d unchanged models)", n), "growth", n))
	}
	return ops
}
