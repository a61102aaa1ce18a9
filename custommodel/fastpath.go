package custommodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/nscache"
	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// The fast path of GetOrCreate and UpdateOrCreate.
//
// Outside a transaction, on a handle whose pool holds pgx connections, a
// call runs its one statement on the pgx connection itself (internal/pgxconn):
// the statement is built once per model type, namespace and lookup shape
// (which columns, which of them nil, which policy links set, which update
// columns) with $n placeholders, and the row is scanned straight into the
// new *T's fields, with the result formats of pgx's database/sql driver so
// that every value decodes as on the general path.
//
// Per call it checks what prepare checks. Whenever a check fails, the
// statement is refused, or it returns no row, the call runs the general
// path from the start instead, which reports exactly the error it always has and
// takes its fallbacks (the 0A000 retry, the retry after a lost insert race,
// a missing link's ErrMissingLink). That is safe because a statement that
// PostgreSQL refused, or that returned no row, wrote nothing. A statement
// refused because the connection may not write (a read handle) is followed
// by the lookup's SELECT, as on the general path: a hit returns the row, a
// miss takes the general path for its error. The exceptions (final) are
// returned as the general path words them: a statement that gave up
// waiting, which a rerun would only wait for again, and a connection that
// failed after the statement was sent, whose statement may have committed
// (a rerun would report a row this call created as found).
//
// A model takes the fast path when every column is a plain integer, float,
// string, bool, time.Time or decimal.Decimal field (or a pointer to one),
// reached without pointers to embedded structs, with no GORM serializer:
// decided once per type. Other models always take the general path. The
// per-type cache holds one parsed schema per model type (its own parse,
// not a handle's), and a statement per namespace and shape used.

// fastModel is what the fast path needs of a model type, computed once.
type fastModel struct {
	ok     bool
	t      *table
	s      *schema.Schema // the type's own parse: its fields read and set rows of the type, whatever the handle
	cols   []fastCol      // t.all()'s order
	byName map[string]int
	pk     int      // index of t.pk in cols (0)
	keys   []uint64 // t.keys as column masks
	// defaults are the columns with an ORM default (applyDefaults).
	defaults []int
	// policies are t.policies with their column's index, in t.all()'s
	// column order then t.policies' order (prepare's order of p.links).
	policies []fastPolicy

	// stmts holds the built statements, written once per key and read on
	// every call (a read lock: no allocation, and no copying as namespaces
	// and shapes are added).
	mu    sync.RWMutex
	stmts map[stmtKey]*fastStmt
}

type fastCol struct {
	c       *column
	f       *schema.Field
	off     uintptr
	typ     reflect.Type // the field's type
	ptr     bool         // the field is a pointer
	decimal bool         // decimal.Decimal or *decimal.Decimal
	str     bool         // string or *string: MaxValueLength applies
	checked bool         // checkRow looks at it (creatable or updatable)
}

type fastPolicy struct {
	col  int
	link policyLink
}

// stmtKey is a statement's shape: masks of column indexes.
type stmtKey struct {
	ns                           string
	op                           uint8
	lookup, nils, links, updates uint64
}

const (
	opGetOrCreate uint8 = iota + 1
	opSelect
	opUpsert
)

// fastStmt is a built statement and, per $n, the column whose field it
// binds.
type fastStmt struct {
	sql  string
	args []int
	// hits is GetOrCreate's recent record for this shape (on its opGetOrCreate
	// statement): up 1 per hit, down missCost per miss, within ±hitsCap.
	// While it is positive the call looks first (hitsFirst).
	hits atomic.Int32
}

// GetOrCreate's hit path. The one statement (lookup SELECT, then INSERT
// where nothing was found) costs PostgreSQL more than the lookup's SELECT
// alone, even on a hit; looking first, and sending the statement only on a
// miss, makes a hit cheaper and a miss one round trip dearer. Which pays
// depends on the share of hits: the SELECT costs about three quarters of
// the statement, so looking first wins above about four hits in five. Each
// shape keeps its recent record (fastStmt.hits) and looks first while hits
// outweigh misses four to one; a shape that misses more than that sends
// the one statement, one round trip, as before.
const (
	missCost = 4
	hitsCap  = 16
)

// record adds a hit or a miss to st's record.
func (st *fastStmt) record(hit bool) {
	for {
		old := st.hits.Load()
		n := old + 1
		if !hit {
			n = old - missCost
		}
		n = max(-hitsCap, min(hitsCap, n))
		if n == old || st.hits.CompareAndSwap(old, n) {
			return
		}
	}
}

// hitsFirst reports whether GetOrCreate of st's shape should look first.
func (st *fastStmt) hitsFirst() bool { return st.hits.Load() > 0 }

// fastModels caches fastModel per model type (reflect.Type -> *fastModel).
// It grows with the program's model types, not with its handles.
var fastModels sync.Map

func init() { nscache.OnForget(forgetStatements) }

// forgetStatements drops the statements built for namespace ns, which this
// process dropped: the models stay, their statements of other namespaces
// too.
func forgetStatements(ns string) {
	fastModels.Range(func(_, v any) bool {
		fm := v.(*fastModel)
		fm.mu.Lock()
		for k := range fm.stmts {
			if k.ns == ns {
				delete(fm.stmts, k)
			}
		}
		fm.mu.Unlock()
		return true
	})
}

// fastSchemas is the schema cache of the fast path's own parses.
var fastSchemas sync.Map

// fastScanTypes are the non-pointer field types whose columns pgx scans and
// binds exactly as the general path (database/sql) does.
var fastScanTypes = map[reflect.Type]bool{
	reflect.TypeOf(int(0)): true, reflect.TypeOf(int8(0)): true, reflect.TypeOf(int16(0)): true,
	reflect.TypeOf(int32(0)): true, reflect.TypeOf(int64(0)): true,
	reflect.TypeOf(float32(0)): true, reflect.TypeOf(float64(0)): true,
	reflect.TypeOf(""): true, reflect.TypeOf(false): true,
	timeType: true, decimalType: true,
}

func fastModelOf[T any](db *gorm.DB) *fastModel {
	rt := reflect.TypeFor[T]()
	if v, ok := fastModels.Load(rt); ok {
		return v.(*fastModel)
	}
	fm := buildFastModelOrNone(rt, db)
	v, _ := fastModels.LoadOrStore(rt, fm)
	return v.(*fastModel)
}

// buildFastModelOrNone is buildFastModel, with a model whose analysis
// fails in an unforeseen way left to the general path rather than
// crashing the call.
func buildFastModelOrNone(rt reflect.Type, db *gorm.DB) (fm *fastModel) {
	defer func() {
		if recover() != nil {
			fm = &fastModel{}
		}
	}()
	return buildFastModel(rt, db)
}

func buildFastModel(rt reflect.Type, db *gorm.DB) *fastModel {
	fm := &fastModel{}
	if rt.Kind() != reflect.Struct {
		return fm
	}
	s, err := schema.Parse(reflect.New(rt).Interface(), &fastSchemas, db.NamingStrategy)
	if err != nil {
		return fm
	}
	t, err := tableOf(rt, s)
	if err != nil {
		return fm
	}
	all := t.all()
	if len(all) > 64 {
		return fm
	}
	fm.t, fm.s = t, s
	fm.byName = make(map[string]int, len(all))
	for i, c := range all {
		f := s.FieldsByDBName[c.name]
		if f == nil || f.Serializer != nil || f.Set == nil || f.ValueOf == nil {
			return &fastModel{}
		}
		off, ok := fieldOffset(rt, f.StructField.Index)
		if !ok || f.FieldType != f.StructField.Type {
			return &fastModel{}
		}
		typ := f.FieldType
		base := typ
		if base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if !fastScanTypes[base] {
			return &fastModel{}
		}
		fc := fastCol{c: c, f: f, off: off, typ: typ, ptr: typ.Kind() == reflect.Pointer,
			decimal: base == decimalType, str: base.Kind() == reflect.String,
			checked: f.Creatable || f.Updatable}
		fm.cols = append(fm.cols, fc)
		fm.byName[c.name] = i
		if f.DefaultValueInterface != nil {
			fm.defaults = append(fm.defaults, i)
		}
		for _, l := range t.policies {
			if l.column == c.name {
				fm.policies = append(fm.policies, fastPolicy{col: i, link: l})
			}
		}
	}
	// checkRow and applyDefaults look at every field with a column: they
	// must all be the table's columns.
	for _, f := range s.Fields {
		if f.DBName == "" {
			continue
		}
		if _, ok := fm.byName[f.DBName]; !ok {
			return &fastModel{}
		}
	}
	for _, k := range t.keys {
		var m uint64
		for _, name := range k {
			i, ok := fm.byName[name]
			if !ok {
				return &fastModel{}
			}
			m |= 1 << i
		}
		fm.keys = append(fm.keys, m)
	}
	fm.ok = true
	return fm
}

// fieldOffset returns the offset of the field at index in rt, and false
// when the path goes through a pointer (an embedded *struct, which GORM
// gives a negative index) or is not a field path of rt.
func fieldOffset(rt reflect.Type, index []int) (uintptr, bool) {
	var off uintptr
	t := rt
	for n, i := range index {
		// GORM marks a field reached through an embedded pointer with a
		// negative index.
		if t.Kind() != reflect.Struct || i < 0 || i >= t.NumField() {
			return 0, false
		}
		sf := t.Field(i)
		off += sf.Offset
		t = sf.Type
		if n < len(index)-1 && t.Kind() == reflect.Pointer {
			return 0, false
		}
	}
	return off, true
}

// fastCall is one call's checked row and shape.
type fastCall struct {
	fm    *fastModel
	ns    string
	rowP  unsafe.Pointer
	rowRV reflect.Value
	key   stmtKey
	keyI  int // index of the arbiter key in fm.keys
}

// field returns a pointer to column i's field of the row, as an any.
func (fc *fastCall) field(i int) any {
	c := &fc.fm.cols[i]
	return reflect.NewAt(c.typ, unsafe.Add(fc.rowP, c.off)).Interface()
}

// arg returns column i's value to bind: a pointer to the field, or a
// pointer field itself (nil binds NULL; pgx would call a value method of a
// nil pointer reached through a pointer to it).
func (fc *fastCall) arg(i int) any {
	c := &fc.fm.cols[i]
	p := reflect.NewAt(c.typ, unsafe.Add(fc.rowP, c.off))
	if c.ptr {
		return p.Elem().Interface()
	}
	return p.Interface()
}

func (fc *fastCall) fieldValue(i int) reflect.Value {
	c := &fc.fm.cols[i]
	return reflect.NewAt(c.typ, unsafe.Add(fc.rowP, c.off)).Elem()
}

// isNilField reports whether column i's field is a nil pointer.
func (fc *fastCall) isNilField(i int) bool {
	c := &fc.fm.cols[i]
	return c.ptr && *(*unsafe.Pointer)(unsafe.Add(fc.rowP, c.off)) == nil
}

// decimalOf returns column i's decimal value; ok is false for a nil pointer.
func (fc *fastCall) decimalOf(i int) (decimal.Decimal, bool) {
	c := &fc.fm.cols[i]
	p := unsafe.Add(fc.rowP, c.off)
	if c.ptr {
		d := *(**decimal.Decimal)(p)
		if d == nil {
			return decimal.Decimal{}, false
		}
		return *d, true
	}
	return *(*decimal.Decimal)(p), true
}

// fastPrepare is prepare's work for the fast path: the row (base, defaults,
// lookup values) in row, and its shape. ok is false when anything would
// make prepare refuse the call or take another path: the caller then runs
// the general path, which reports it.
func fastPrepare[T any](ctx context.Context, db *gorm.DB, lookup Lookup, base *T, row *T) (fc fastCall, ok bool) {
	if db == nil || db.Error != nil || db.DryRun || len(lookup) == 0 || len(lookup) > 64 {
		return fc, false
	}
	ns, err := scope.Namespace(db)
	if err != nil {
		return fc, false
	}
	fm := fastModelOf[T](db)
	if !fm.ok {
		return fc, false
	}
	if base != nil {
		*row = *base
	}
	fc = fastCall{fm: fm, ns: ns, rowP: unsafe.Pointer(row), rowRV: reflect.ValueOf(row)}
	for _, i := range fm.defaults { // applyDefaults
		if !fc.fieldValue(i).IsZero() {
			continue
		}
		if err := fm.cols[i].f.Set(ctx, fc.rowRV, fm.cols[i].f.DefaultValueInterface); err != nil {
			return fc, false
		}
	}
	var lookupMask, nils uint64
	for name, v := range lookup {
		i, found := fm.byName[name]
		if !found {
			return fc, false
		}
		f := fm.cols[i].f
		if checkLookupValue(f, v) != "" {
			return fc, false
		}
		if nilAlongPointers(v) {
			v = nil
		}
		if err := f.Set(ctx, fc.rowRV, v); err != nil {
			return fc, false
		}
		lookupMask |= 1 << i
		if fc.isNilField(i) {
			nils |= 1 << i
		} else if fm.cols[i].decimal {
			if d, _ := fc.decimalOf(i); decimalProblem(f, d) != "" {
				return fc, false
			}
		}
	}
	fc.keyI = -1
	for k, key := range fm.keys {
		if key&lookupMask != key {
			continue
		}
		if key&nils != 0 {
			continue // a nil key value: another key may be clean
		}
		fc.keyI = k
		break
	}
	if fc.keyI < 0 {
		return fc, false
	}
	// checkRow, and the set policy links.
	var links uint64
	for i := range fm.cols {
		c := &fm.cols[i]
		if c.checked {
			switch {
			case c.str && !c.ptr:
				if len(*(*string)(unsafe.Add(fc.rowP, c.off))) > MaxValueLength {
					return fc, false
				}
			case c.str:
				if s := *(**string)(unsafe.Add(fc.rowP, c.off)); s != nil && len(*s) > MaxValueLength {
					return fc, false
				}
			case c.decimal:
				if d, ok := fc.decimalOf(i); ok && !d.IsZero() && checkDecimal(fm.s.Name, c.f, d) != nil {
					return fc, false
				}
			}
		}
	}
	for _, p := range fm.policies {
		if !fc.isNilField(p.col) && !fc.fieldValue(p.col).IsZero() {
			links |= 1 << p.col
		}
	}
	fc.key = stmtKey{ns: ns, lookup: lookupMask, nils: nils, links: links}
	return fc, true
}

// stmt returns the statement of op for fc's shape, building it once.
func (fc *fastCall) stmt(op uint8) *fastStmt {
	k := fc.key
	k.op = op
	fm := fc.fm
	fm.mu.RLock()
	st := fm.stmts[k]
	fm.mu.RUnlock()
	if st != nil {
		return st
	}
	built := fc.build(k)
	fm.mu.Lock()
	defer fm.mu.Unlock()
	if st := fm.stmts[k]; st != nil {
		return st
	}
	if fm.stmts == nil {
		fm.stmts = map[stmtKey]*fastStmt{}
	}
	fm.stmts[k] = built
	return built
}

// build writes the statement of k with $n placeholders: the same statement
// as the general path's (selectSQL, getOrCreateSQL, insertSQL), columns in
// the table's order.
func (fc *fastCall) build(k stmtKey) *fastStmt {
	fm := fc.fm
	st := &fastStmt{}
	var b strings.Builder
	qt := sqlident.Quote(k.ns, fm.t.name)
	param := func(col int) string {
		st.args = append(st.args, col)
		return "$" + strconv.Itoa(len(st.args))
	}
	columnList := func(qualifier string) string {
		names := make([]string, len(fm.cols))
		for i, c := range fm.cols {
			names[i] = sqlident.Quote(c.c.name)
			if qualifier != "" {
				names[i] = qualifier + "." + names[i]
			}
		}
		return strings.Join(names, ", ")
	}
	sel := func() {
		b.WriteString("SELECT " + columnList("") + " FROM " + qt + " WHERE ")
		first := true
		for i, c := range fm.cols {
			if k.lookup&(1<<i) == 0 {
				continue
			}
			if !first {
				b.WriteString(" AND ")
			}
			first = false
			if k.nils&(1<<i) != 0 {
				b.WriteString(sqlident.Quote(c.c.name) + " IS NULL")
				continue
			}
			b.WriteString(sqlident.Quote(c.c.name) + " = " + param(i))
		}
		b.WriteString(" LIMIT 1")
	}
	var insert []int
	for i, c := range fm.cols {
		if c.c.identity && k.lookup&(1<<i) == 0 {
			continue
		}
		insert = append(insert, i)
	}
	insertCols := func() string {
		names := make([]string, len(insert))
		for j, i := range insert {
			names[j] = sqlident.Quote(fm.cols[i].c.name)
		}
		return strings.Join(names, ", ")
	}
	marks := func() string {
		m := make([]string, len(insert))
		for j, i := range insert {
			m[j] = param(i)
		}
		return strings.Join(m, ", ")
	}
	locks := func() {
		for _, p := range fm.policies {
			if k.links&(1<<p.col) == 0 {
				continue
			}
			b.WriteString(" AND EXISTS (SELECT 1 FROM " + sqlident.Quote(k.ns, p.link.targetTable) + " WHERE " + sqlident.Quote(p.link.targetKey) + " = " + param(p.col) + " FOR KEY SHARE)")
		}
	}
	switch k.op {
	case opSelect:
		sel()
	case opGetOrCreate:
		all := columnList("")
		b.WriteString(`WITH "customdata_found" AS (`)
		sel()
		b.WriteString(`), "customdata_made" AS (INSERT INTO ` + qt + ` (` + insertCols() + `) SELECT ` + marks() +
			` WHERE NOT EXISTS (SELECT 1 FROM "customdata_found")`)
		locks()
		b.WriteString(` ON CONFLICT DO NOTHING RETURNING ` + all + `)` +
			` SELECT ` + all + `, false AS ` + sqlident.Quote(createdColumn) + ` FROM "customdata_found"` +
			` UNION ALL SELECT ` + all + `, true FROM "customdata_made"`)
	case opUpsert:
		key := fm.keys[fc.keyI]
		if k.links == 0 {
			b.WriteString("INSERT INTO " + qt + ` AS "cur" (` + insertCols() + ") VALUES (" + marks() + ") ON CONFLICT (")
		} else {
			b.WriteString("INSERT INTO " + qt + ` AS "cur" (` + insertCols() + ") SELECT " + marks() + " WHERE true")
			locks()
			b.WriteString(" ON CONFLICT (")
		}
		// The key's columns in the key's order, as the general path names them.
		for j, name := range fm.t.keys[fc.keyI] {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqlident.Quote(name))
		}
		b.WriteString(") DO UPDATE SET ")
		set := k.updates
		if set == 0 {
			set = 1 << fm.byName[fm.t.keys[fc.keyI][0]] // a no-op assignment still returns the row
		}
		first := true
		for i, c := range fm.cols {
			if set&(1<<i) == 0 {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(sqlident.Quote(c.c.name) + " = EXCLUDED." + sqlident.Quote(c.c.name))
		}
		first = true
		for i, c := range fm.cols {
			if k.lookup&(1<<i) == 0 || key&(1<<i) != 0 {
				continue
			}
			if first {
				b.WriteString(" WHERE ")
				first = false
			} else {
				b.WriteString(" AND ")
			}
			b.WriteString(`"cur".` + sqlident.Quote(c.c.name) + " IS NOT DISTINCT FROM EXCLUDED." + sqlident.Quote(c.c.name))
		}
		b.WriteString(` RETURNING ` + columnList(`"cur"`) + `, ("cur".xmax = 0) AS ` + sqlident.Quote(createdColumn))
	}
	st.sql = b.String()
	return st
}

// resultFormats asks for the result formats pgx's database/sql driver asks
// for (binary for the intrinsic types, text for the others), so that a
// column decodes to the same value on both paths: a numeric in binary, for
// one, loses the scale of a zero ("0.00" would read as 0).
var resultFormats = pgx.QueryResultFormatsByOID{
	pgtype.BoolOID: 1, pgtype.ByteaOID: 1, pgtype.CIDOID: 1, pgtype.DateOID: 1,
	pgtype.Float4OID: 1, pgtype.Float8OID: 1, pgtype.Int2OID: 1, pgtype.Int4OID: 1,
	pgtype.Int8OID: 1, pgtype.OIDOID: 1, pgtype.TimestampOID: 1, pgtype.TimestamptzOID: 1,
	pgtype.XIDOID: 1,
}

// errFastNoRow is a fast statement that returned no row.
var errFastNoRow = errors.New("custommodel: no row")

// run runs st on a pgx connection of db's pool and scans its row into the
// row's fields (and the created flag, unless op is opSelect). ok is false
// when the pool is not one the fast path can use; err is errFastNoRow when
// the statement returned no row.
func (fc *fastCall) run(ctx context.Context, db *gorm.DB, pool *sql.DB, st *fastStmt, withCreated bool) (created, ok bool, err error) {
	b := runBufs.Get().(*runBuf)
	defer b.release()
	n := 1 + len(st.args) + len(fc.fm.cols) + 1
	all := b.v[:0]
	if n > len(b.v) {
		all = make([]any, 0, n)
	}
	all = append(all, resultFormats)
	for _, i := range st.args {
		all = append(all, fc.arg(i))
	}
	for i := range fc.fm.cols {
		all = append(all, fc.field(i))
	}
	b.args = all[:1+len(st.args)]
	if withCreated {
		all = append(all, &b.created)
	}
	b.dest = all[1+len(st.args):]
	b.ctx, b.sql = ctx, st.sql
	var begin time.Time
	traced := db.Logger != nil && db.Logger != logger.Discard
	if traced {
		begin = time.Now()
	}
	ok, err = pgxconn.With(ctx, pool, b.query)
	if !ok {
		return false, false, nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		err = errFastNoRow
	}
	if traced {
		vars := b.args[1:] // the buffer is released when run returns: loggers call fc in Trace
		db.Logger.Trace(ctx, begin, func() (string, int64) {
			n := int64(1)
			if err != nil {
				n = 0
			}
			return db.Dialector.Explain(st.sql, vars...), n
		}, err)
	}
	return b.created, true, err
}

// runBuf holds a fast statement's arguments and scan targets, reused
// through runBufs: with query, made once per buffer, a call allocates
// neither.
type runBuf struct {
	v          [32]any
	args, dest []any
	created    bool
	ctx        context.Context
	sql        string
	query      func(*pgx.Conn) error
}

var runBufs = sync.Pool{New: func() any {
	b := &runBuf{}
	b.query = func(c *pgx.Conn) error {
		return c.QueryRow(b.ctx, b.sql, b.args...).Scan(b.dest...)
	}
	return b
}}

// release drops the buffer's references (to the caller's row and context)
// and returns it to runBufs.
func (b *runBuf) release() {
	clear(b.v[:])
	b.args, b.dest, b.ctx, b.sql, b.created = nil, nil, nil, "", false
	runBufs.Put(b)
}

// fastGetOrCreate is GetOrCreate's fast path. done is false when the call
// must run the general path instead (nothing was written, or what was
// written the general path finds: a rerun of the same statement).
func fastGetOrCreate[T any](ctx context.Context, db *gorm.DB, lookup Lookup, defaults *T) (row *T, created, done bool, err error) {
	pool, ok := pgxconn.Pool(db)
	if !ok {
		return nil, false, false, nil
	}
	row = new(T)
	fc, ok := fastPrepare(ctx, db, lookup, defaults, row)
	if !ok {
		return nil, false, false, nil
	}
	st := fc.stmt(opGetOrCreate)
	looked := st.hitsFirst()
	if looked {
		_, ok, err = fc.run(ctx, db, pool, fc.stmt(opSelect), false)
		switch {
		case !ok:
			return nil, false, false, nil
		case err == nil:
			st.record(true)
			return row, false, true, nil
		case final(err):
			return nil, false, true, fc.fm.wrap(err)
		case !errors.Is(err, errFastNoRow):
			return nil, false, false, nil
		}
		// A miss: the one statement creates the row (or finds the row a
		// concurrent caller just made).
	}
	created, ok, err = fc.run(ctx, db, pool, st, true)
	if !ok {
		return nil, false, false, nil
	}
	if err == nil {
		st.record(!created && !looked) // looking first and missing is a miss
		return row, created, true, nil
	}
	if final(err) {
		return nil, false, true, fc.fm.wrap(err)
	}
	if mayNotWrite(err) && !looked {
		// A read handle: the lookup's SELECT alone, as the general path
		// does; a miss takes the general path for its error. (Where the
		// call looked first, the SELECT has missed already.)
		hit := new(T)
		*hit = *row
		fc.rowP, fc.rowRV = unsafe.Pointer(hit), reflect.ValueOf(hit)
		if _, ok, err := fc.run(ctx, db, pool, fc.stmt(opSelect), false); ok && err == nil {
			return hit, false, true, nil
		}
	}
	return nil, false, false, nil
}

// final reports whether a fast statement's error is the call's answer, the
// general path's rerun being no better or not safe: the context ended; the
// connection failed after the statement was sent (the server may have
// carried it out and committed: a rerun would report a row this call
// created as found, or apply an update twice); or PostgreSQL gave up on
// the statement for a reason a rerun would meet again or pay for twice (a
// statement or lock timeout, a deadlock or serialization failure,
// resources exhausted, the server shutting down). Other errors (refusals
// the general path reports in its own words, a changed cached plan, a
// missing table, a connection that failed before anything was sent) take
// the general path.
func final(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return !errors.Is(err, errFastNoRow) && !pgconn.SafeToRetry(err)
	}
	if len(pgErr.Code) < 2 {
		return false
	}
	switch pgErr.Code[:2] {
	case "40", "53", "54", "55", "57", "58", "XX":
		return true
	}
	return false
}

// wrap gives a fast statement's error the general path's words.
func (fm *fastModel) wrap(err error) error {
	return fmt.Errorf("custommodel: %s: %w", fm.t.goName, err)
}

// fastUpdateOrCreate is UpdateOrCreate's fast path; done as in
// fastGetOrCreate.
func fastUpdateOrCreate[T any](ctx context.Context, db *gorm.DB, lookup Lookup, values *T, columns []string) (row *T, created, done bool, err error) {
	pool, ok := pgxconn.Pool(db)
	if !ok {
		return nil, false, false, nil
	}
	row = new(T)
	fc, ok := fastPrepare(ctx, db, lookup, values, row)
	if !ok {
		return nil, false, false, nil
	}
	fm := fc.fm
	if values != nil || len(columns) > 0 { // setUpdateColumns
		if len(columns) == 0 {
			for i := range fm.cols {
				if i != fm.pk && fc.key.lookup&(1<<i) == 0 {
					fc.key.updates |= 1 << i
				}
			}
		}
		for _, name := range columns {
			i, found := fm.byName[name]
			if !found || i == fm.pk {
				return nil, false, false, nil
			}
			fc.key.updates |= 1 << i
		}
	}
	created, ok, err = fc.run(ctx, db, pool, fc.stmt(opUpsert), true)
	switch {
	case !ok:
		return nil, false, false, nil
	case err != nil && final(err):
		return nil, false, true, fm.wrap(err)
	case err != nil:
		return nil, false, false, nil
	}
	return row, created, true, nil
}
