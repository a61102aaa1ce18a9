package custommodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// Lookup names the row GetOrCreate and UpdateOrCreate look for: column name
// (as in the table, e.g. "note_id") to value. Its columns must include all
// the columns of the model's primary key or of one of its unique indexes
// (a one-to-one link is one); that key is what makes the calls race-safe.
//
// The key's values may not be nil (NULLs never conflict in a unique index,
// so a nil key could not stop a second row). Another lookup column may be
// nil when its field is a pointer: it then matches NULL. A value must fit
// its field exactly: 1.5 for an integer column, 300 for an int32 beyond its
// range, or 7 for a text column is refused (*LookupError naming the column)
// rather than converted.
type Lookup map[string]any

// getOrCreateAttempts bounds GetOrCreate's statements. Losing an insert
// race costs one more statement; a further miss means the conflicting row
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
// A call is one statement, one round trip, whether it finds the row or
// creates it:
//
//	WITH found AS (SELECT <columns> FROM <table> WHERE <lookup> LIMIT 1),
//	     made AS (INSERT INTO <table> (...) SELECT ... WHERE NOT EXISTS (SELECT 1 FROM found)
//	              ON CONFLICT DO NOTHING RETURNING <columns>)
//	SELECT <columns>, false FROM found UNION ALL SELECT <columns>, true FROM made
//
// That statement costs PostgreSQL more than the lookup's SELECT alone, even
// when it finds the row. So, outside a transaction, each lookup shape (model,
// namespace, lookup columns) keeps a record of its recent calls: while more
// than about four in five of them found their row, a call sends the plain
// SELECT first (a hit is then one cheaper round trip) and the statement
// above only when the SELECT finds nothing (a miss is then two round
// trips). A shape that misses more often sends the one statement.
//
// The statements name T's columns rather than using *: a column another
// plugin's install adds to the table changes nothing in their results, so
// connections that already prepared them keep working. Should a prepared
// statement's result type change anyway (a column's type altered by hand),
// PostgreSQL refuses it with 0A000 and nothing is written; outside a
// transaction the call then runs once more, freshly prepared.
//
// If neither gives a row (another caller's insert committed after this
// statement's snapshot was taken, or a row holds one of the new row's
// unique values), the statement runs again, a bounded number of times: a
// new statement sees the winner's row. Run it outside a REPEATABLE READ or
// SERIALIZABLE transaction, whose snapshot would hide the winner's row.
//
// Through a connection that may not write (a read handle, whose role may
// not INSERT, or a read-only transaction or standby), PostgreSQL refuses
// the whole statement; GetOrCreate then falls back to the lookup's SELECT
// alone: a hit returns the row, a miss the refusal. Inside a transaction
// (db is a GORM transaction) a refused statement would abort it, so there
// GetOrCreate runs the SELECT first and the statement above only on a miss:
// a hit is one statement, a miss two.
//
// Outside a transaction, on a handle of the namespace package (a pool of
// pgx connections), the statement runs on the pgx connection itself: it is
// built once per model type, namespace and lookup shape, bound with $n
// parameters and scanned straight into the new row, and logged through db's
// logger as GORM logs its statements. This holds for models whose columns
// are all integers, floats, strings, bools, time.Time or decimal.Decimal
// (or pointers to them) without a serializer; other models, and a statement
// that PostgreSQL refuses or that finds no row, take GORM's path, with the
// same results and errors. A statement that gave up waiting (the context
// ended, a statement or lock timeout, a deadlock) is not sent again: its
// error is the call's.
//
// Errors: a lookup that names an unknown column, is not covered by the
// primary key or a unique index, has a nil key value or a value that does
// not fit its column is refused before any write (*LookupError, ErrLookup);
// a row that blocks the insert (same primary key or unique index values)
// but does not match the lookup gives ErrConflict; limit breaches give
// *LimitError. Models must be custom models: SDK models and their
// extensions are read-only.
//
// When the new row sets a link with a delete policy (see Delete), the
// statement also locks the row the link points to (FOR KEY SHARE, inside
// the INSERT's condition, so still one statement), as GORM's Create does
// through RegisterCallbacks: a concurrent Delete either waits and then
// deletes the new row with its target, or has deleted the target and the
// call is refused with ErrMissingLink, nothing written. Telling a missing
// target from a conflict costs one more statement, on that path only.
func GetOrCreate[T any](ctx context.Context, db *gorm.DB, lookup Lookup, defaults *T) (*T, bool, error) {
	if row, created, done, err := fastGetOrCreate(ctx, db, lookup, defaults); done {
		return row, created, err
	}
	return getOrCreateGORM(ctx, db, lookup, defaults)
}

// getOrCreateGORM is GetOrCreate's general path, through GORM: in a
// transaction, for models the fast path does not take, and for every call
// the fast path hands back (a refused lookup, a failed statement, a miss
// that lost a race).
func getOrCreateGORM[T any](ctx context.Context, db *gorm.DB, lookup Lookup, defaults *T) (*T, bool, error) {
	p, err := prepare[T](ctx, db, lookup, defaults)
	if err != nil {
		return nil, false, err
	}
	q, args := p.getOrCreateSQL()
	// In the caller's transaction a refused statement would abort it, so
	// there is no falling back after one: look first, and write only on a
	// miss.
	inTx := p.inTx
	sq, sargs := p.selectSQL()
	for range getOrCreateAttempts {
		row := new(T)
		if inTx {
			found, _, err := p.queryOne(sq, sargs, row, false)
			if err != nil {
				return nil, false, err
			}
			if found {
				return row, false, nil
			}
		}
		found, created, err := p.queryOne(q, args, row, true)
		if err != nil {
			if !inTx && mayNotWrite(err) {
				if err := p.getOnly(row, err); err != nil {
					return nil, false, err
				}
				return row, false, nil
			}
			return nil, false, err
		}
		if found {
			return row, created, nil
		}
		if len(p.links) > 0 { // a link's target may be missing: no retry helps then
			if err := p.missingLink(); err != nil {
				return nil, false, err
			}
		}
	}
	return nil, false, fmt.Errorf("%w: %s: the new row collides with an existing row on the primary key or a unique index, and no row matches the lookup (%s); look the existing row up by that key",
		ErrConflict, p.t.goName, strings.Join(p.lookupNames(), ", "))
}

// mayNotWrite reports whether PostgreSQL refused a statement because this
// connection may not write: the role lacks INSERT (42501, a read handle), or
// the transaction or server is read-only (25006: SET TRANSACTION READ ONLY,
// a hot standby).
func mayNotWrite(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42501" || pgErr.Code == "25006")
}

// getOnly is GetOrCreate through a connection that may not insert: the
// lookup's SELECT alone into dest. A miss returns refused, the error of the
// statement that would have created the row.
func (p *plan) getOnly(dest any, refused error) error {
	q, args := p.selectSQL()
	found, _, err := p.queryOne(q, args, dest, false)
	if err != nil {
		return err
	}
	if !found {
		return refused
	}
	return nil
}

// UpdateOrCreate updates the row of model T that matches lookup, or creates
// it, with Django's update_or_create semantics, in one statement:
//
//	INSERT ... ON CONFLICT (<key>) DO UPDATE SET <columns> RETURNING <T's columns>, (xmax = 0)
//
// values holds the new values. On update only the listed columns are set;
// none listed, every column of T except the primary key and the lookup's;
// nil values and none listed, nothing (as Django's update_or_create without
// defaults). On create the whole of values is inserted, with the lookup's
// values set on top, so the fields of values that are not listed act as
// Django's create_defaults. It returns the row as stored and whether it was created.
//
// It is race-safe (PostgreSQL arbitrates concurrent upserts on the key) and
// refuses, before any write, the lookups GetOrCreate refuses and unknown or
// primary key columns. A row that has the lookup's key but differs in its
// other lookup columns is left alone and gives ErrConflict, as does a new
// or updated row that collides with another row on a unique index other
// than the lookup's key (the *pgconn.PgError stays in the chain).
//
// Links with a delete policy that values sets (non-zero) are locked as in
// GetOrCreate, whether the row is then inserted or updated, and a missing
// target refuses the call with ErrMissingLink, nothing written.
//
// Outside a transaction it runs on the pgx connection under db's pool, as
// GetOrCreate does.
func UpdateOrCreate[T any](ctx context.Context, db *gorm.DB, lookup Lookup, values *T, columns ...string) (*T, bool, error) {
	if row, created, done, err := fastUpdateOrCreate(ctx, db, lookup, values, columns); done {
		return row, created, err
	}
	return updateOrCreateGORM(ctx, db, lookup, values, columns...)
}

// updateOrCreateGORM is UpdateOrCreate's general path, as getOrCreateGORM
// is GetOrCreate's.
func updateOrCreateGORM[T any](ctx context.Context, db *gorm.DB, lookup Lookup, values *T, columns ...string) (*T, bool, error) {
	p, err := prepare[T](ctx, db, lookup, values)
	if err != nil {
		return nil, false, err
	}
	// Django's update_or_create without defaults changes nothing on an
	// existing row; nil values without columns do the same here.
	if values != nil || len(columns) > 0 {
		if err := p.setUpdateColumns(columns); err != nil {
			return nil, false, err
		}
	}
	q, args := p.insertSQL()
	row := new(T)
	found, created, err := p.queryOne(q, args, row, true)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return nil, false, fmt.Errorf("%w: %s: the row collides with another row on unique constraint %s, not on the lookup's key (%s): %w",
			ErrConflict, p.t.goName, pgErr.ConstraintName, strings.Join(p.key, ", "), err)
	}
	if err != nil {
		return nil, false, err
	}
	if !found {
		if len(p.links) > 0 {
			if err := p.missingLink(); err != nil {
				return nil, false, err
			}
		}
		return nil, false, p.conflict()
	}
	return row, created, nil
}

// plan is one GetOrCreate/UpdateOrCreate call, checked and ready to run.
type plan struct {
	ctx     context.Context
	db      *gorm.DB
	inTx    bool // db is the caller's transaction
	t       *table
	qt      string         // quoted, schema-qualified table
	lookup  []*column      // sorted by name
	key     []string       // arbiter columns
	insert  []*column      // columns of the INSERT
	update  []*column      // columns set by DO UPDATE
	values  map[string]any // column -> driver value, from the built row
	rowRV   reflect.Value  // the row to insert
	modelTy reflect.Type
	ns      string
	links   []policyLink // the policy links the row sets (non-zero), locked by the write
}

func (p *plan) lookupNames() []string {
	names := make([]string, len(p.lookup))
	for i, c := range p.lookup {
		names[i] = c.name
	}
	return names
}

func prepare[T any](ctx context.Context, db *gorm.DB, lookup Lookup, base *T) (*plan, error) {
	if db == nil {
		return nil, ErrNilDB
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
	t, err := tableOf(rt, stmt.Schema)
	if err != nil {
		return nil, err
	}
	// The cached table holds no schema; take the fields from this
	// statement's schema.
	field := func(c *column) *schema.Field { return stmt.Schema.FieldsByDBName[c.name] }
	p := &plan{ctx: ctx, db: tx, t: t, ns: ns, qt: sqlident.Quote(ns, t.name), modelTy: rt, values: map[string]any{}}
	_, p.inTx = tx.Statement.ConnPool.(gorm.TxCommitter)

	if len(lookup) == 0 {
		return nil, &LookupError{Model: t.goName, Problem: "the lookup is empty; name the columns of " + describeKeys(t.keys)}
	}
	names := make([]string, 0, len(lookup))
	for name := range lookup {
		names = append(names, name)
	}
	sort.Strings(names)
	row := reflect.New(rt)
	var nils []string
	if base != nil {
		row.Elem().Set(reflect.ValueOf(base).Elem())
	}
	if err := applyDefaults(ctx, stmt.Schema, row); err != nil { // ORM defaults (defaults.go); lookup values win
		return nil, err
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
		f := field(c)
		if f == nil {
			return nil, fmt.Errorf("custommodel: %s: column %q has no field in the parsed model", t.goName, name)
		}
		v := lookup[name]
		if problem := checkLookupValue(f, v); problem != "" {
			return nil, &LookupError{Model: t.goName, Column: name, Problem: fmt.Sprintf("value %v (%T) does not fit column %q (field %s, %s): %s", v, v, name, f.Name, f.FieldType, problem)}
		}
		if nilAlongPointers(v) {
			v = nil // GORM's Set would ignore a pointer to a nil pointer
		}
		if err := f.Set(ctx, row, v); err != nil {
			return nil, &LookupError{Model: t.goName, Column: name, Problem: fmt.Sprintf("value %v (%T) does not fit column %q (field %s, %s): %v", v, v, name, f.Name, f.FieldType, err)}
		}
		// What the column will hold decides, not what was passed: a
		// pointer to a nil pointer stores NULL too.
		fv, _ := f.ValueOf(ctx, row)
		if isNil(fv) {
			nils = append(nils, name)
		} else if problem := decimalProblem(f, fv); problem != "" {
			return nil, &LookupError{Model: t.goName, Column: name, Problem: fmt.Sprintf("value %v does not fit column %q (field %s, %s): %s", fv, name, f.Name, c.sqlType, problem)}
		}
		p.lookup = append(p.lookup, c)
	}
	nilKey := ""
	for _, key := range t.keys {
		if !covers(names, key) {
			continue
		}
		if i := slices.IndexFunc(key, func(k string) bool { return slices.Contains(nils, k) }); i >= 0 {
			if nilKey == "" {
				nilKey = key[i]
			}
			continue
		}
		p.key = key
		break
	}
	if p.key == nil && nilKey != "" {
		return nil, &LookupError{Model: t.goName, Column: nilKey, Problem: fmt.Sprintf("column %q is nil but is part of the key that covers the lookup; NULLs never conflict in a unique index, so the call could not be race-safe: give it a value (or look up by a key without NULLs)", nilKey)}
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
		v, zero := field(c).ValueOf(ctx, row)
		p.values[c.name] = v
		// A set link with a delete policy is locked by the write, as
		// GORM's Create locks it (delete_callbacks.go); a zero or nil link
		// is not checked there either.
		for _, l := range t.policies {
			if l.column == c.name && !zero && !isNil(v) {
				p.links = append(p.links, l)
			}
		}
	}
	return p, nil
}

// linkLocks returns the condition that makes a write depend on the rows
// its policy links point to: each is locked FOR KEY SHARE in the write's
// own statement, so a concurrent Delete either waits for the write (and
// then collects the new row) or has deleted the target (and the write
// inserts nothing). Empty when the row sets no policy link.
func (p *plan) linkLocks() (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(p.links))
	for _, l := range p.links {
		key := sqlident.Quote(l.targetKey)
		b.WriteString(" AND EXISTS (SELECT 1 FROM " + sqlident.Quote(p.ns, l.targetTable) + " WHERE " + key + " = ? FOR KEY SHARE)")
		args = append(args, p.values[l.column])
	}
	return b.String(), args
}

// missingLink is called when a write with policy links returned no row: it
// reports the first link whose target row does not exist (ErrMissingLink),
// or nil when all exist (the miss had another cause).
func (p *plan) missingLink() error {
	for _, l := range p.links {
		var n int64
		v := p.values[l.column]
		err := p.db.Raw(`SELECT count(*) FROM `+sqlident.Quote(p.ns, l.targetTable)+` WHERE `+sqlident.Quote(l.targetKey)+` = ?`, v).Scan(&n).Error
		if err != nil {
			return fmt.Errorf("custommodel: %s.%s: look up the linked %s row: %w", p.t.goName, l.field, l.goTarget, err)
		}
		if n == 0 {
			return fmt.Errorf("%w: %s.%s = %v: no %s row has %s %v (deleted meanwhile?); a link with on_delete:%s must point to an existing row; nothing was written",
				ErrMissingLink, p.t.goName, l.field, deref(v), l.goTarget, l.targetKey, deref(v), l.policy)
		}
	}
	return nil
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
	b.WriteString("SELECT " + p.columnList("") + " FROM " + p.qt + " WHERE ")
	for i, c := range p.lookup {
		if i > 0 {
			b.WriteString(" AND ")
		}
		// IS NULL for a nil value (only outside the key); = keeps the
		// key's index usable, which IS NOT DISTINCT FROM would not.
		if isNil(p.values[c.name]) {
			b.WriteString(sqlident.Quote(c.name) + " IS NULL")
			continue
		}
		b.WriteString(sqlident.Quote(c.name) + " = ?")
		args = append(args, p.values[c.name])
	}
	b.WriteString(" LIMIT 1")
	return b.String(), args
}

// insertColumns returns the INSERT's quoted column list, as many
// placeholders, and their values.
func (p *plan) insertColumns() (cols, placeholders string, args []any) {
	names := make([]string, len(p.insert))
	marks := make([]string, len(p.insert))
	args = make([]any, len(p.insert))
	for i, c := range p.insert {
		names[i] = sqlident.Quote(c.name)
		marks[i] = "?"
		args[i] = p.values[c.name]
	}
	return strings.Join(names, ", "), strings.Join(marks, ", "), args
}

// getOrCreateSQL builds GetOrCreate's one statement: the lookup's SELECT
// and, only when it finds nothing, INSERT ... ON CONFLICT DO NOTHING (any
// conflict, on the key or another unique index, makes the insert a no-op;
// the next statement decides). Its last column says whether the row is
// new. PostgreSQL infers each placeholder's type from its target column.
func (p *plan) getOrCreateSQL() (string, []any) {
	sel, selArgs := p.selectSQL()
	cols, marks, insArgs := p.insertColumns()
	all := p.columnList("")
	locks, lockArgs := p.linkLocks()
	q := `WITH "customdata_found" AS (` + sel + `), "customdata_made" AS (INSERT INTO ` + p.qt + ` (` + cols + `) SELECT ` + marks +
		` WHERE NOT EXISTS (SELECT 1 FROM "customdata_found")` + locks + ` ON CONFLICT DO NOTHING RETURNING ` + all + `)` +
		` SELECT ` + all + `, false AS ` + sqlident.Quote(createdColumn) + ` FROM "customdata_found"` +
		` UNION ALL SELECT ` + all + `, true FROM "customdata_made"`
	return q, append(append(selArgs, insArgs...), lockArgs...)
}

// insertSQL builds UpdateOrCreate's INSERT ... ON CONFLICT (<key>) DO
// UPDATE of p.update, returning the created flag.
func (p *plan) insertSQL() (string, []any) {
	var b strings.Builder
	cols, marks, args := p.insertColumns()
	// "( " with a space: GORM expands a slice bound to a "(?" into one
	// placeholder per element, which would split a json.RawMessage.
	if len(p.links) == 0 {
		b.WriteString("INSERT INTO " + p.qt + " AS \"cur\" (" + cols + ") VALUES ( " + marks + ") ON CONFLICT (")
	} else {
		// The row's policy links are locked in this statement (linkLocks):
		// with a target missing, it neither inserts nor updates.
		locks, lockArgs := p.linkLocks()
		b.WriteString("INSERT INTO " + p.qt + " AS \"cur\" (" + cols + ") SELECT " + marks + " WHERE true" + locks + " ON CONFLICT (")
		args = append(args, lockArgs...)
	}
	for i, k := range p.key {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sqlident.Quote(k))
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
	b.WriteString(` RETURNING ` + p.columnList(`"cur"`) + `, ("cur".xmax = 0) AS ` + sqlident.Quote(createdColumn))
	return b.String(), args
}

// columnList is T's columns, quoted and comma-separated, each prefixed
// with qualifier and a dot when qualifier is set: the explicit list the
// statements select and return instead of *.
func (p *plan) columnList(qualifier string) string {
	cols := p.t.all()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = sqlident.Quote(c.name)
		if qualifier != "" {
			names[i] = qualifier + "." + names[i]
		}
	}
	return strings.Join(names, ", ")
}

// planChanged reports whether PostgreSQL refused a prepared statement
// because its result type changed since the connection prepared it (0A000,
// "cached plan must not change result type"). The statement did nothing;
// the driver has dropped it from the connection's cache, so running it
// again prepares it afresh.
func planChanged(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "0A000" && strings.Contains(pgErr.Message, "cached plan must not change result type")
}

// queryOne runs q and scans its first row (if any) into dest. With
// withCreated, the last column is the created flag (GetOrCreate's
// statement and UpdateOrCreate's both end with it). Outside the caller's
// transaction, a statement refused with 0A000 before it returned anything
// runs once more: it wrote nothing, and one statement is its own
// transaction. Inside one, the refusal has aborted the transaction, so it is
// returned.
func (p *plan) queryOne(q string, args []any, dest any, withCreated bool) (found, created bool, err error) {
	rows, err := p.start(q, args)
	if err != nil && !p.inTx && planChanged(err) {
		rows, err = p.start(q, args)
	}
	if undefinedTable(err) {
		var pg *pgconn.PgError
		errors.As(err, &pg)
		model := p.t.goName
		if rel := relationOf(pg, p.ns); rel != "" && rel != p.t.name {
			model = "" // a linked model's table (a policy link's lock)
			for _, l := range p.links {
				if l.targetTable == rel {
					model = l.goTarget
				}
			}
			if model == "" {
				return false, false, notInstalled(p.ns, "", rel, pg)
			}
		}
		return false, false, notInstalled(p.ns, model, "", pg)
	}
	if err != nil {
		return false, false, fmt.Errorf("custommodel: %s: %w", p.t.goName, err)
	}
	if rows == nil {
		return false, false, nil
	}
	defer rows.Close()
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

// start runs q and moves to its first row. It returns nil rows (and no
// error) when there is none.
func (p *plan) start(q string, args []any) (*sql.Rows, error) {
	rows, err := p.db.Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		err := rows.Err()
		_ = rows.Close()
		return nil, err
	}
	return rows, nil
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

// tables caches analyze per model type: reflect.Type -> *table or error.
// It grows with the program's model types, not with its *gorm.DB handles.
// Analysis does not depend on the namespace (a custom table is named for
// its struct in every namespace), and the cached tables hold no
// *schema.Schema or *schema.Field: callers take the fields from their
// statement's own schema.
var tables sync.Map

func tableOf(rt reflect.Type, s *schema.Schema) (*table, error) {
	if v, ok := tables.Load(rt); ok {
		return cached(v)
	}
	var v any
	switch classify(rt) {
	case kindSDK, kindExtension:
		v = &DeclarationError{Model: rt.Name(), Problem: "is an SDK model or an SDK model extension: it reads a read-only platform table",
			Fix:  "GetOrCreate and UpdateOrCreate write rows; call them with custom models (structs embedding custommodel.CustomModel), and read platform tables with First or Find",
			Kind: ErrReadOnlyModel}
	default:
		if err := checkKind(rt); err != nil {
			v = err
		} else if t, errs := analyze(s); len(errs) > 0 {
			v = errors.Join(errs...)
		} else {
			register(t) // delete policies, for Delete
			v = t.detached()
		}
	}
	v, _ = tables.LoadOrStore(rt, v)
	return cached(v)
}

func cached(v any) (*table, error) {
	if err, isErr := v.(error); isErr {
		return nil, err
	}
	return v.(*table), nil
}

// detached returns a copy of t without references to its parsed schema.
func (t *table) detached() *table {
	d := *t
	d.schema = nil
	cols := map[*column]*column{}
	cp := func(c *column) *column {
		if n, ok := cols[c]; ok {
			return n
		}
		n := *c
		n.field = nil
		cols[c] = &n
		return &n
	}
	d.pk = cp(t.pk)
	d.columns = make([]*column, len(t.columns))
	for i, c := range t.columns {
		d.columns[i] = cp(c)
	}
	return &d
}

// decimalProblem returns why a decimal lookup value would not come back
// from its numeric(p,s) column as given, or "": PostgreSQL rounds it to the
// column's scale on insert, so the lookup's SELECT (which compares the
// exact value) would never find the row it created.
func decimalProblem(f *schema.Field, v any) string {
	var d decimal.Decimal
	switch x := v.(type) {
	case decimal.Decimal:
		d = x
	case *decimal.Decimal:
		d = *x
	default:
		return ""
	}
	p, s := f.Precision, f.Scale
	if p == 0 && s == 0 {
		p, s = DefaultPrecision, DefaultScale
	}
	if !d.Equal(d.Round(int32(s))) {
		return fmt.Sprintf("has more than %d decimal places, so the column would store it rounded to %s and the lookup would not find it again; round it first", s, d.Round(int32(s)))
	}
	if d.Abs().GreaterThanOrEqual(decimal.New(1, int32(p-s))) {
		return fmt.Sprintf("has more than %d digits before the decimal point", p-s)
	}
	return ""
}

// nilAlongPointers reports whether v is nil or a chain of pointers that
// ends in nil (a pointer to a nil pointer stores NULL).
func nilAlongPointers(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return true
		}
		rv = rv.Elem()
	}
	return false
}

// isNil reports whether v is nil or a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// checkLookupValue returns why v cannot be stored in field f without
// losing information, or "". Types other than the integer, float, string
// and bool kinds are left to GORM's conversion (which fails on a mismatch).
func checkLookupValue(f *schema.Field, v any) string {
	ft := f.FieldType
	pointer := ft.Kind() == reflect.Pointer
	for ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if nilAlongPointers(v) {
		if !pointer {
			return "nil cannot be stored in a non-pointer field (it would become the zero value); declare the field as a pointer to match NULL, or give a value"
		}
		return ""
	}
	rv := reflect.Indirect(reflect.ValueOf(v))
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return ""
		}
		rv = rv.Elem()
	}
	switch ft.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Map, reflect.Array:
		return "" // decimal, date, time, UUID, JSON: GORM converts or fails
	}
	switch ft.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := ft.Bits()
		lo, hi := int64(-1)<<(bits-1), int64(1<<(bits-1)-1)
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if i := rv.Int(); i < lo || i > hi {
				return fmt.Sprintf("out of the range of %s", ft)
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if u := rv.Uint(); u > uint64(hi) {
				return fmt.Sprintf("out of the range of %s", ft)
			}
		case reflect.Float32, reflect.Float64:
			x := rv.Float()
			if x != math.Trunc(x) {
				return "has a fraction, which an integer column would drop"
			}
			if x < float64(lo) || x >= -float64(lo) {
				return fmt.Sprintf("out of the range of %s", ft)
			}
		default:
			return "is not a number; pass an integer"
		}
	case reflect.Float32, reflect.Float64:
		switch rv.Kind() {
		case reflect.Float32, reflect.Float64:
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if i := rv.Int(); i > 1<<53 || i < -(1<<53) {
				return "an integer this large is not exact as a float64"
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if rv.Uint() > 1<<53 {
				return "an integer this large is not exact as a float64"
			}
		default:
			return "is not a number; pass a float64"
		}
	case reflect.String:
		if rv.Kind() != reflect.String {
			return "is not a string; pass a string"
		}
	case reflect.Bool:
		if rv.Kind() != reflect.Bool {
			return "is not a bool; pass true or false"
		}
	}
	return ""
}
