package custommodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"weak"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// Lookup names the row GetOrCreate and UpdateOrCreate look for: column name
// (as in the table, e.g. "note_id") to value. Its columns must include all
// the columns of the model's primary key or of one of its unique indexes
// (a one-to-one link is one); that key is what makes the calls race-safe.
type Lookup map[string]any

// getOrCreateAttempts bounds GetOrCreate's read-insert rounds. Losing an
// insert race costs one more read; a further miss means the conflicting row
// does not match the lookup (or keeps being deleted).
const getOrCreateAttempts = 3

// createdColumn is the extra column UpdateOrCreate returns: whether the row
// was inserted.
const createdColumn = "customdata_created"

// GetOrCreate returns the row of model T that matches lookup, creating it
// if there is none, with Django's get_or_create semantics: created reports
// whether this call inserted it. A new row is defaults (nil: T's zero
// value) with the lookup's values set on top; every column is inserted
// (zero values included, as GORM's Create does), except dbid, which the
// database assigns.
//
// Race-safe by construction: concurrent callers with the same lookup get
// the same single row and no error, exactly one of them with created true.
// A hit is one SELECT. A miss is one INSERT ... ON CONFLICT (<key>) DO
// NOTHING RETURNING *; if another caller's insert won, the row is read
// again in a new statement (a statement's snapshot can miss the winner's
// row), a bounded number of times. Run it outside a REPEATABLE READ or
// SERIALIZABLE transaction, whose snapshot would hide the winner's row.
//
// Errors: a lookup that names an unknown column or is not covered by the
// primary key or a unique index is refused before any write (*LookupError,
// ErrLookup); a row that has the lookup's key but differs in its other
// lookup columns gives ErrConflict; limit breaches give *LimitError.
func GetOrCreate[T any](ctx context.Context, db *gorm.DB, lookup Lookup, defaults *T) (*T, bool, error) {
	p, err := prepare[T](ctx, db, lookup, defaults)
	if err != nil {
		return nil, false, err
	}
	selectSQL, selectArgs := p.selectSQL()
	insertSQL, insertArgs := p.insertSQL(false)
	for range getOrCreateAttempts {
		row := new(T)
		found, _, err := p.queryOne(selectSQL, selectArgs, row, false)
		if err != nil {
			return nil, false, err
		}
		if found {
			return row, false, nil
		}
		row = new(T)
		inserted, _, err := p.queryOne(insertSQL, insertArgs, row, false)
		if err != nil {
			return nil, false, err
		}
		if inserted {
			return row, true, nil
		}
	}
	return nil, false, p.conflict()
}

// UpdateOrCreate updates the row of model T that matches lookup, or creates
// it, with Django's update_or_create semantics, in one statement:
//
//	INSERT ... ON CONFLICT (<key>) DO UPDATE SET <columns> RETURNING *, (xmax = 0)
//
// values holds the new values. On update only the listed columns are set
// (none listed: every column of T except the primary key and the lookup's);
// on create the whole of values is inserted, with the lookup's values set
// on top, so the fields of values that are not listed act as Django's
// create_defaults. It returns the row as stored and whether it was created.
//
// It is race-safe (PostgreSQL arbitrates concurrent upserts on the key) and
// refuses, before any write, the lookups GetOrCreate refuses and unknown or
// primary key columns. A row that has the lookup's key but differs in its
// other lookup columns is left alone and gives ErrConflict.
func UpdateOrCreate[T any](ctx context.Context, db *gorm.DB, lookup Lookup, values *T, columns ...string) (*T, bool, error) {
	p, err := prepare[T](ctx, db, lookup, values)
	if err != nil {
		return nil, false, err
	}
	if err := p.setUpdateColumns(columns); err != nil {
		return nil, false, err
	}
	q, args := p.insertSQL(true)
	row := new(T)
	found, created, err := p.queryOne(q, args, row, true)
	if err != nil {
		return nil, false, err
	}
	if !found {
		return nil, false, p.conflict()
	}
	return row, created, nil
}

// plan is one GetOrCreate/UpdateOrCreate call, checked and ready to run.
type plan struct {
	ctx     context.Context
	db      *gorm.DB
	t       *table
	qt      string         // quoted, schema-qualified table
	lookup  []*column      // sorted by name
	key     []string       // arbiter columns
	insert  []*column      // columns of the INSERT
	update  []*column      // columns set by DO UPDATE
	values  map[string]any // column -> driver value, from the built row
	rowRV   reflect.Value  // the row to insert
	modelTy reflect.Type
}

func prepare[T any](ctx context.Context, db *gorm.DB, lookup Lookup, base *T) (*plan, error) {
	if db == nil {
		return nil, errors.New("custommodel: nil *gorm.DB (use the DB of a namespace handle)")
	}
	ns, err := scope.Namespace(db)
	if err != nil {
		return nil, fmt.Errorf("custommodel: %w", err)
	}
	tx := db.WithContext(ctx)
	var zero T
	rt := reflect.TypeOf(zero)
	if rt == nil || rt.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: model type %T is not a struct", ErrDeclaration, zero)
	}
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(new(T)); err != nil {
		return nil, fmt.Errorf("custommodel: parse model %s: %w", rt.Name(), err)
	}
	t, err := tableOf(stmt.Schema)
	if err != nil {
		return nil, err
	}
	p := &plan{ctx: ctx, db: tx, t: t, qt: sqlident.Quote(ns, t.name), modelTy: rt, values: map[string]any{}}

	if len(lookup) == 0 {
		return nil, &LookupError{Model: t.goName, Problem: "the lookup is empty; name the columns of " + describeKeys(t.keys)}
	}
	names := make([]string, 0, len(lookup))
	for name := range lookup {
		names = append(names, name)
	}
	sort.Strings(names)
	row := reflect.New(rt)
	if base != nil {
		row.Elem().Set(reflect.ValueOf(base).Elem())
	}
	for _, name := range names {
		c := t.column(name)
		if c == nil {
			problem := fmt.Sprintf("unknown column %q", name)
			if f := stmt.Schema.LookUpField(name); f != nil && f.DBName != "" {
				problem += fmt.Sprintf(" (field %s is column %q)", f.Name, f.DBName)
			}
			return nil, &LookupError{Model: t.goName, Column: name, Problem: problem + "; lookups name table columns"}
		}
		if err := c.field.Set(ctx, row, lookup[name]); err != nil {
			return nil, &LookupError{Model: t.goName, Column: name, Problem: fmt.Sprintf("value %v (%T) does not fit column %q (%s): %v", lookup[name], lookup[name], name, c.field.FieldType, err)}
		}
		p.lookup = append(p.lookup, c)
	}
	for _, key := range t.keys {
		if covers(names, key) {
			p.key = key
			break
		}
	}
	if p.key == nil {
		return nil, &LookupError{Model: t.goName, Problem: fmt.Sprintf("columns (%s) are not covered by %s; include all the columns of one of them, or declare a uniqueIndex over the lookup's columns",
			strings.Join(names, ", "), describeKeys(t.keys))}
	}
	p.rowRV = row
	if err := checkRow(ctx, stmt.Schema, row); err != nil {
		return nil, err
	}
	for _, c := range t.all() {
		if c.identity && !slices.Contains(names, c.name) {
			continue
		}
		p.insert = append(p.insert, c)
		v, _ := c.field.ValueOf(ctx, row)
		p.values[c.name] = v
	}
	return p, nil
}

func (p *plan) setUpdateColumns(columns []string) error {
	if len(columns) == 0 {
		for _, c := range p.t.columns {
			if !slices.Contains(p.lookup, c) {
				p.update = append(p.update, c)
			}
		}
	}
	for _, name := range columns {
		c := p.t.column(name)
		if c == nil {
			return &LookupError{Model: p.t.goName, Column: name, Problem: fmt.Sprintf("unknown update column %q", name)}
		}
		if c == p.t.pk {
			return &LookupError{Model: p.t.goName, Column: name, Problem: fmt.Sprintf("column %q is the primary key and cannot be updated; put it in the lookup", name)}
		}
		if !slices.Contains(p.update, c) {
			p.update = append(p.update, c)
		}
	}
	return nil
}

func (p *plan) selectSQL() (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(p.lookup))
	b.WriteString("SELECT * FROM " + p.qt + " WHERE ")
	for i, c := range p.lookup {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(sqlident.Quote(c.name) + " = ?")
		args = append(args, p.values[c.name])
	}
	b.WriteString(" LIMIT 1")
	return b.String(), args
}

// insertSQL builds the INSERT ... ON CONFLICT statement: DO NOTHING, or (for
// UpdateOrCreate) DO UPDATE of p.update returning the created flag.
func (p *plan) insertSQL(upsert bool) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(p.insert))
	b.WriteString("INSERT INTO " + p.qt + " AS \"cur\" (")
	for i, c := range p.insert {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sqlident.Quote(c.name))
		args = append(args, p.values[c.name])
	}
	b.WriteString(") VALUES (")
	for i := range p.insert {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
	}
	b.WriteString(") ON CONFLICT (")
	for i, k := range p.key {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sqlident.Quote(k))
	}
	if !upsert {
		b.WriteString(") DO NOTHING RETURNING *")
		return b.String(), args
	}
	b.WriteString(") DO UPDATE SET ")
	set := p.update
	if len(set) == 0 {
		// Nothing to change: a no-op assignment still returns the row.
		set = []*column{p.t.column(p.key[0])}
	}
	for i, c := range set {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sqlident.Quote(c.name) + " = EXCLUDED." + sqlident.Quote(c.name))
	}
	// Lookup columns outside the key must match too: otherwise the row
	// with that key is not the one looked up.
	first := true
	for _, c := range p.lookup {
		if slices.Contains(p.key, c.name) {
			continue
		}
		if first {
			b.WriteString(" WHERE ")
			first = false
		} else {
			b.WriteString(" AND ")
		}
		b.WriteString(`"cur".` + sqlident.Quote(c.name) + " IS NOT DISTINCT FROM EXCLUDED." + sqlident.Quote(c.name))
	}
	b.WriteString(` RETURNING *, ("cur".xmax = 0) AS ` + sqlident.Quote(createdColumn))
	return b.String(), args
}

// queryOne runs q and scans its first row (if any) into dest. With
// withCreated, the last column is the created flag.
func (p *plan) queryOne(q string, args []any, dest any, withCreated bool) (found, created bool, err error) {
	rows, err := p.db.Raw(q, args...).Rows()
	if err != nil {
		return false, false, fmt.Errorf("custommodel: %s: %w", p.t.goName, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return false, false, fmt.Errorf("custommodel: %s: %w", p.t.goName, err)
		}
		return false, false, nil
	}
	var r gorm.Rows = rows
	cr := &createdRows{Rows: rows}
	if withCreated {
		r = cr
	}
	tx := p.db.Session(&gorm.Session{NewDB: true})
	if err := tx.Statement.Parse(dest); err != nil {
		return false, false, fmt.Errorf("custommodel: %s: %w", p.t.goName, err)
	}
	tx.Statement.Dest = dest
	tx.Statement.ReflectValue = reflect.ValueOf(dest).Elem()
	gorm.Scan(r, tx, gorm.ScanInitialized)
	if tx.Error != nil {
		return false, false, fmt.Errorf("custommodel: %s: scan row: %w", p.t.goName, tx.Error)
	}
	if err := rows.Close(); err != nil {
		return false, false, fmt.Errorf("custommodel: %s: %w", p.t.goName, err)
	}
	return true, cr.created, nil
}

func (p *plan) conflict() error {
	var other []string
	for _, c := range p.lookup {
		if !slices.Contains(p.key, c.name) {
			other = append(other, c.name)
		}
	}
	return fmt.Errorf("%w: %s has a row with this (%s) whose (%s) differ from the lookup (or it was deleted while being read); look it up by (%s) alone to see it",
		ErrConflict, p.t.goName, strings.Join(p.key, ", "), strings.Join(other, ", "), strings.Join(p.key, ", "))
}

// createdRows hides UpdateOrCreate's trailing created column from GORM's
// scanner and captures it.
type createdRows struct {
	*sql.Rows
	created bool
}

func (r *createdRows) Columns() ([]string, error) {
	cols, err := r.Rows.Columns()
	if err != nil || len(cols) == 0 {
		return cols, err
	}
	return cols[:len(cols)-1], nil
}

func (r *createdRows) ColumnTypes() ([]*sql.ColumnType, error) {
	types, err := r.Rows.ColumnTypes()
	if err != nil || len(types) == 0 {
		return types, err
	}
	return types[:len(types)-1], nil
}

func (r *createdRows) Scan(dest ...any) error {
	return r.Rows.Scan(append(dest, &r.created)...)
}

func covers(names, key []string) bool {
	for _, k := range key {
		if !slices.Contains(names, k) {
			return false
		}
	}
	return true
}

func describeKeys(keys [][]string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		label := "a unique index"
		if i == 0 {
			label = "the primary key"
		}
		parts[i] = label + " (" + strings.Join(k, ", ") + ")"
	}
	return strings.Join(parts, " or ")
}

func (t *table) column(name string) *column {
	if t.pk.name == name {
		return t.pk
	}
	for _, c := range t.columns {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (t *table) all() []*column {
	return append([]*column{t.pk}, t.columns...)
}

// tables caches analyze per parsed schema. GORM caches schemas per
// *gorm.DB configuration, so the pointer identifies one model in one
// namespace. Keys are weak: an entry goes when its schema (and so its
// *gorm.DB) is garbage.
var tables sync.Map // weak.Pointer[schema.Schema] -> *table or error

func tableOf(s *schema.Schema) (*table, error) {
	key := weak.Make(s)
	if v, ok := tables.Load(key); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*table), nil
	}
	var v any
	if err := checkKind(s.ModelType); err != nil {
		v = err
	} else if t, errs := analyze(s); len(errs) > 0 {
		v = errors.Join(errs...)
	} else {
		v = t
	}
	if _, loaded := tables.LoadOrStore(key, v); !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[schema.Schema]) { tables.Delete(k) }, key)
	}
	if err, isErr := v.(error); isErr {
		return nil, err
	}
	return v.(*table), nil
}
