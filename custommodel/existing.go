package custommodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// ErrExistingTable is matched by a *DeclarationError from CheckExisting: a
// model that contradicts what the namespace's schema already holds (a
// column of another type, a table name or index name taken by another
// relation, another primary key). Its DDL would change nothing, and every
// later write would fail or miss.
var ErrExistingTable = errors.New("custommodel: model contradicts the existing table")

// CheckExisting compares models with the tables, indexes and other
// relations namespace's schema already holds, as db (the install's
// transaction) sees them in PostgreSQL's catalog, and refuses what DDL's
// additive statements would silently leave wrong:
//
//   - a field whose column exists with another type (DDL never retypes a
//     column: ADD COLUMN IF NOT EXISTS would do nothing, and writes of the
//     field would fail), e.g. Count int64 over another plugin's text column
//     "count";
//   - a model whose table name is taken by a relation that is not a table
//     (an index, a sequence, a view): CREATE TABLE IF NOT EXISTS would skip;
//   - an existing table whose primary key is not the model's;
//   - a declared or automatic index whose name is taken by another relation,
//     or by an index of another table or over other columns (CREATE INDEX
//     IF NOT EXISTS would skip, and a unique key of the model would be
//     missing).
//
// A text field over a character varying column is accepted (a Go string
// fits either; a value too long for it is refused by PostgreSQL). Run it
// inside the transaction that then runs the DDL, after taking the
// namespace's install lock, so that the catalog it reads is the one the DDL
// meets. Every problem is reported at once (errors.Join of
// *DeclarationError matching ErrDeclaration and ErrExistingTable), each
// naming the model, the field, the existing column type and the fix. The
// models' own declaration errors are DDL's.
func CheckExisting(ctx context.Context, db *gorm.DB, namespace string, models ...any) error {
	if db == nil {
		return fmt.Errorf("%w: CheckExisting", ErrNilDB)
	}
	ms, err := ParseModels(namespace, models...)
	if err != nil {
		return err
	}
	if len(ms.tables) == 0 {
		return nil
	}
	cat, err := readCatalog(ctx, db, namespace)
	if err != nil {
		return err
	}
	return ms.check(cat)
}

func (ms *Models) check(cat *catalog) error {
	var errs []error
	for _, t := range ms.tables {
		errs = append(errs, cat.check(ms.namespace, t, ms.names)...)
	}
	return errors.Join(errs...)
}

// catalog is what a namespace's schema holds: its relations by name, and
// the columns and primary keys of its tables.
type catalog struct {
	rels    map[string]relation
	columns map[string]map[string]string // table -> column -> format_type
	pkeys   map[string][]string          // table -> primary key columns
}

type relation struct {
	kind       string   // pg_class.relkind
	table      string   // an index's table
	unique     bool     // an index's uniqueness
	indexCols  []string // an index's columns
	primaryKey bool     // a primary key's index
}

// CatalogQuery is the query by which CheckExisting reads what a namespace's
// schema holds from PostgreSQL's catalog. Its one parameter ($1) is the
// namespace; it returns one row of one text column, a JSON document that
// Models.CheckCatalog takes. It reads the catalog only, and a namespace
// whose schema does not exist yet gives an empty document. A caller that
// batches its statements can send it with the others and check the models
// with Models.CheckCatalog.
const CatalogQuery = `SELECT json_build_object(
  'rels', (SELECT coalesce(json_agg(r), '[]') FROM (
    SELECT c.relname, c.relkind::text AS relkind, coalesce(t.relname, '') AS index_table,
      coalesce(ix.indisunique, false) AS "unique", coalesce(ix.indisprimary, false) AS "primary",
      coalesce((SELECT string_agg(coalesce(a.attname, ''), ',' ORDER BY k.o)
                FROM unnest(ix.indkey) WITH ORDINALITY AS k(n, o)
                LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n), '') AS cols
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = c.oid
    LEFT JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid
    WHERE n.nspname = $1) r),
  'cols', (SELECT coalesce(json_agg(l), '[]') FROM (
    SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped) l))::text`

// catalogDoc is CatalogQuery's document.
type catalogDoc struct {
	Rels []struct {
		Relname    string `json:"relname"`
		Relkind    string `json:"relkind"`
		IndexTable string `json:"index_table"`
		Unique     bool   `json:"unique"`
		Primary    bool   `json:"primary"`
		Cols       string `json:"cols"` // index columns, comma-separated in key order
	} `json:"rels"`
	Cols []struct {
		Relname string `json:"relname"`
		Attname string `json:"attname"`
		Type    string `json:"type"`
	} `json:"cols"`
}

// CheckCatalog is CheckExisting of the models against catalog, the
// document CatalogQuery returned for their namespace inside the
// transaction that then runs their DDL. Its errors are CheckExisting's; a
// catalog that is not CatalogQuery's document is an error too.
func (ms *Models) CheckCatalog(catalog []byte) error {
	if len(ms.tables) == 0 {
		return nil
	}
	cat, err := parseCatalog(catalog)
	if err != nil {
		return fmt.Errorf("custommodel: read the catalog of namespace %q: %w", ms.namespace, err)
	}
	return ms.check(cat)
}

func readCatalog(ctx context.Context, db *gorm.DB, namespace string) (*catalog, error) {
	var doc string
	if err := db.WithContext(ctx).Raw(CatalogQuery, namespace).Row().Scan(&doc); err != nil {
		return nil, fmt.Errorf("custommodel: read the relations of namespace %q: %w", namespace, err)
	}
	cat, err := parseCatalog([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("custommodel: read the relations of namespace %q: %w", namespace, err)
	}
	return cat, nil
}

func parseCatalog(doc []byte) (*catalog, error) {
	var d catalogDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	cat := &catalog{rels: map[string]relation{}, columns: map[string]map[string]string{}, pkeys: map[string][]string{}}
	for _, r := range d.Rels {
		rel := relation{kind: r.Relkind, table: r.IndexTable, unique: r.Unique, primaryKey: r.Primary}
		if r.Cols != "" {
			rel.indexCols = strings.Split(r.Cols, ",")
		}
		cat.rels[r.Relname] = rel
		if rel.primaryKey {
			cat.pkeys[rel.table] = rel.indexCols
		}
	}
	for _, c := range d.Cols {
		if cat.columns[c.Relname] == nil {
			cat.columns[c.Relname] = map[string]string{}
		}
		cat.columns[c.Relname][c.Attname] = c.Type
	}
	return cat, nil
}

// relkindNames names pg_class.relkind values for messages.
var relkindNames = map[string]string{
	"r": "table", "p": "partitioned table", "i": "index", "I": "partitioned index", "S": "sequence",
	"v": "view", "m": "materialized view", "c": "composite type", "f": "foreign table", "t": "TOAST table",
}

func (r relation) describe(name string) string {
	kind := relkindNames[r.kind]
	if kind == "" {
		kind = "relation"
	}
	s := kind + " " + name
	if r.table != "" {
		s += " of table " + r.table
	}
	return s
}

// check compares t with the catalog; names are the index names DDL gives
// t's indexes (canvasIndexNames).
func (cat *catalog) check(namespace string, t *table, names map[*index]string) []error {
	var errs []error
	add := func(field, problem, fix string) {
		errs = append(errs, &DeclarationError{Model: t.goName, Field: field, Problem: problem, Fix: fix, Kind: ErrExistingTable})
	}
	rel, exists := cat.rels[t.name]
	if exists && rel.kind != "r" && rel.kind != "p" {
		add("", fmt.Sprintf("gives table name %q, which namespace %q already uses for %s", t.name, namespace, rel.describe(t.name)),
			"rename the struct (the table is its name lowercased)")
		return errs
	}
	if exists {
		existing := cat.columns[t.name]
		for _, c := range t.all() {
			have, ok := existing[c.name]
			if !ok || sameColumnType(c.sqlType, have) {
				continue
			}
			field := c.name
			goType := ""
			if c.field != nil {
				field = c.field.Name
				goType = c.field.FieldType.String()
			}
			add(field, fmt.Sprintf("is column %q of type %s (Go %s), but table %s.%s already has that column as %s (declared by another plugin's model, or by an earlier version of this one); columns are never retyped",
				c.name, catalogType(c.sqlType), goType, namespace, t.name, have),
				"declare the field with "+goTypesFor(have)+", or store it in a new column (rename the field or tag it `gorm:\"column:"+c.name+"_2\"`)")
		}
		if pk := cat.pkeys[t.name]; len(pk) > 0 && !(len(pk) == 1 && pk[0] == t.pk.name) {
			add("", fmt.Sprintf("has primary key (%s), but table %s.%s already has primary key (%s)", t.pk.name, namespace, t.name, strings.Join(pk, ", ")),
				"declare the same primary key as the existing table (CustomModel's dbid, or the one-to-one link marked primaryKey)")
		}
	}
	for _, idx := range t.indexes {
		name := names[idx]
		r, ok := cat.rels[name]
		if !ok {
			continue
		}
		cols := make([]string, len(idx.cols))
		for i, ic := range idx.cols {
			cols[i] = ic.name
		}
		field := ""
		if c := t.column(cols[0]); c != nil && c.field != nil {
			field = c.field.Name
		}
		switch {
		case r.kind != "i" && r.kind != "I":
			add(field, fmt.Sprintf("declares index %s, a name namespace %q already uses for %s", name, namespace, r.describe(name)),
				"give the index another name (index:NAME) or rename the struct")
		case r.table != t.name:
			add(field, fmt.Sprintf("declares index %s, a name namespace %q already uses for %s", name, namespace, r.describe(name)),
				"give the index another name (index:NAME)")
		case r.unique != idx.unique || !equalStrings(r.indexCols, cols):
			add(field, fmt.Sprintf("declares %s index %s on (%s), but table %s.%s already has an index of that name, %s on (%s); it would be left as it is",
				uniqueWord(idx.unique), name, strings.Join(cols, ", "), namespace, t.name, uniqueWord(r.unique), strings.Join(r.indexCols, ", ")),
				"declare the index as the existing one is, or give yours another name (index:NAME)")
		}
	}
	return errs
}

func uniqueWord(unique bool) string {
	if unique {
		return "unique"
	}
	return "non-unique"
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// catalogType is a column type as this package writes it, spelled as
// PostgreSQL's format_type spells it.
func catalogType(sqlType string) string {
	switch {
	case sqlType == "timestamptz":
		return "timestamp with time zone"
	case strings.HasPrefix(sqlType, "varchar("):
		return "character varying" + strings.TrimPrefix(sqlType, "varchar")
	}
	return sqlType
}

// sameColumnType reports whether an existing column of type have (as
// format_type gives it) stores what the model's sqlType does.
func sameColumnType(sqlType, have string) bool {
	want := catalogType(sqlType)
	if want == have {
		return true
	}
	// A Go string fits a character varying column (Django's CharField) as
	// it fits text; PostgreSQL refuses a value too long for it.
	return want == "text" && (have == "character varying" || strings.HasPrefix(have, "character varying("))
}

// goTypesFor names the Go field types that map to column type have.
func goTypesFor(have string) string {
	switch base, _, _ := strings.Cut(have, "("); base {
	case "text", "character varying":
		return "type string"
	case "integer":
		return "type int32"
	case "bigint":
		return "type int64 (or int)"
	case "double precision":
		return "type float64"
	case "boolean":
		return "type bool"
	case "date":
		return "type civil.Date"
	case "timestamp with time zone":
		return "type time.Time"
	case "uuid":
		return "type uuid.UUID"
	case "jsonb":
		return "type json.RawMessage (or a map, slice or struct tagged `gorm:\"serializer:json\"`)"
	case "numeric":
		p, s := 0, 0
		if _, err := fmt.Sscanf(have, "numeric(%d,%d)", &p, &s); err == nil {
			return fmt.Sprintf("type decimal.Decimal and `gorm:\"precision:%d;scale:%d\"`", p, s)
		}
		return "type decimal.Decimal"
	}
	return "a Go type that maps to " + have + " (none of this SDK's does)"
}
