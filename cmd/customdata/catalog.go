package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// The read-only commands (list, inspect, the dry run of rotate-keys) read
// the catalogs here, in a read-only transaction: they never go through
// namespace.NewManager, which prepares its bookkeeping schema.

// The JSON shapes, with snake_case names as Canvas's JSON uses.
type (
	summaryOut struct {
		Name         string `json:"name"`
		Tables       int    `json:"tables"`
		CustomTables int    `json:"custom_tables"`
		Rows         int64  `json:"rows"`
		Keys         int    `json:"keys"`
	}
	inspectionOut struct {
		Name   string     `json:"name"`
		Keys   keyCounts  `json:"keys"`
		Tables []tableOut `json:"tables"`
	}
	keyCounts struct {
		Read      int `json:"read"`
		ReadWrite int `json:"read_write"`
	}
	tableOut struct {
		Name        string       `json:"name"`
		System      bool         `json:"system"`
		Rows        int64        `json:"rows"`
		Columns     []columnOut  `json:"columns"`
		Indexes     []indexOut   `json:"indexes"`
		ForeignKeys []foreignKey `json:"foreign_keys"`
	}
	columnOut struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Nullable bool   `json:"nullable"`
		Default  string `json:"default,omitempty"`
	}
	indexOut struct {
		Name       string `json:"name"`
		Primary    bool   `json:"primary"`
		Unique     bool   `json:"unique"`
		Definition string `json:"definition"` // "btree (note_id)", after USING
	}
	foreignKey struct {
		Name       string `json:"name"`
		Definition string `json:"definition"` // "FOREIGN KEY (room_id) REFERENCES ..."
	}
)

func (k keyCounts) total() int { return k.Read + k.ReadWrite }

// readOnly runs fn in a read-only, repeatable-read transaction (one
// snapshot), with pg_catalog alone on the search path, and rolls it back.
func readOnly(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("customdata: begin a read-only transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path = pg_catalog"); err != nil {
		return fmt.Errorf("customdata: %w", err)
	}
	return fn(tx)
}

// namespaceNames lists the schemas that follow the namespace rule and hold
// a namespace_auth table.
func namespaceNames(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT n.nspname FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $1 AND c.relkind IN ('r', 'p')
ORDER BY n.nspname`, systables.NamespaceAuth)
	if err != nil {
		return nil, fmt.Errorf("customdata: list namespaces: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		if manifest.ValidateNamespace(n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	return names, rows.Err()
}

// notFound is the error for a namespace missing from the database.
func notFound(name string) error {
	return fmt.Errorf("customdata: %w: there is no namespace %q in this database; "+
		"run \"customdata namespace list\" to see the namespaces", namespace.ErrNamespaceNotFound, name)
}

// requireNamespace checks that the namespace exists.
func requireNamespace(ctx context.Context, tx *sql.Tx, name string) error {
	var ok bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p'))`, name, systables.NamespaceAuth).Scan(&ok)
	if err != nil {
		return fmt.Errorf("customdata: look up namespace %q: %w", name, err)
	}
	if !ok {
		return notFound(name)
	}
	return nil
}

// countKeys counts the namespace's keys by access level.
func countKeys(ctx context.Context, tx *sql.Tx, name string) (keyCounts, error) {
	var k keyCounts
	rows, err := tx.QueryContext(ctx, "SELECT access_level, count(*) FROM "+sqlident.Quote(name, systables.NamespaceAuth)+" GROUP BY access_level")
	if err != nil {
		return k, fmt.Errorf("customdata: count the keys of namespace %q: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var level string
		var n int
		if err := rows.Scan(&level, &n); err != nil {
			return k, err
		}
		switch manifest.Access(level) {
		case manifest.Read:
			k.Read += n
		case manifest.ReadWrite:
			k.ReadWrite += n
		}
	}
	return k, rows.Err()
}

// inspect reads a namespace: its tables with their exact row counts,
// columns, indexes and foreign keys, and its keys.
func inspect(ctx context.Context, tx *sql.Tx, name string) (*inspectionOut, error) {
	if err := requireNamespace(ctx, tx, name); err != nil {
		return nil, err
	}
	keys, err := countKeys(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	in := &inspectionOut{Name: name, Keys: keys, Tables: []tableOut{}}
	byName := map[string]*tableOut{}
	table := func(t string) *tableOut {
		if p, ok := byName[t]; ok {
			return p
		}
		in.Tables = append(in.Tables, tableOut{Name: t, System: isSystemTable(t), Columns: []columnOut{}, Indexes: []indexOut{}, ForeignKeys: []foreignKey{}})
		p := &in.Tables[len(in.Tables)-1]
		byName[t] = p
		return p
	}
	fail := func(what string, err error) (*inspectionOut, error) {
		return nil, fmt.Errorf("customdata: inspect namespace %q: %s: %w", name, what, err)
	}

	rows, err := tx.QueryContext(ctx, `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       CASE a.attidentity WHEN 'd' THEN 'generated by default as identity' WHEN 'a' THEN 'generated always as identity'
            ELSE coalesce(pg_get_expr(d.adbin, d.adrelid), '') END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum`, name)
	if err != nil {
		return fail("columns", err)
	}
	for rows.Next() {
		var t string
		var c columnOut
		if err := rows.Scan(&t, &c.Name, &c.Type, &c.Nullable, &c.Default); err != nil {
			rows.Close()
			return fail("columns", err)
		}
		p := table(t)
		p.Columns = append(p.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail("columns", err)
	}
	// Pointers into in.Tables are stable from here on: no table is added.
	for i := range in.Tables {
		byName[in.Tables[i].Name] = &in.Tables[i]
	}

	rows, err = tx.QueryContext(ctx, `SELECT t.relname, i.relname, x.indisprimary, x.indisunique, pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1
ORDER BY t.relname, NOT x.indisprimary, i.relname`, name)
	if err != nil {
		return fail("indexes", err)
	}
	for rows.Next() {
		var t, def string
		var ix indexOut
		if err := rows.Scan(&t, &ix.Name, &ix.Primary, &ix.Unique, &def); err != nil {
			rows.Close()
			return fail("indexes", err)
		}
		if _, after, ok := strings.Cut(def, " USING "); ok {
			def = after
		}
		ix.Definition = def
		if p, ok := byName[t]; ok {
			p.Indexes = append(p.Indexes, ix)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail("indexes", err)
	}

	rows, err = tx.QueryContext(ctx, `SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND k.contype = 'f'
ORDER BY t.relname, k.conname`, name)
	if err != nil {
		return fail("foreign keys", err)
	}
	for rows.Next() {
		var t string
		var fk foreignKey
		if err := rows.Scan(&t, &fk.Name, &fk.Definition); err != nil {
			rows.Close()
			return fail("foreign keys", err)
		}
		if p, ok := byName[t]; ok {
			p.ForeignKeys = append(p.ForeignKeys, fk)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail("foreign keys", err)
	}

	for i := range in.Tables {
		t := &in.Tables[i]
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+sqlident.Quote(name, t.Name)).Scan(&t.Rows); err != nil {
			return fail("count the rows of "+t.Name, err)
		}
	}
	return in, nil
}

// list summarizes every namespace.
func list(ctx context.Context, tx *sql.Tx) ([]summaryOut, error) {
	names, err := namespaceNames(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := make([]summaryOut, 0, len(names)) // [] rather than null when empty
	for _, n := range names {
		in, err := inspect(ctx, tx, n)
		if errors.Is(err, namespace.ErrNamespaceNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s := summaryOut{Name: n, Tables: len(in.Tables), Keys: in.Keys.total()}
		for _, t := range in.Tables {
			if !t.System {
				s.CustomTables++
			}
			s.Rows += t.Rows
		}
		out = append(out, s)
	}
	return out, nil
}

// isSystemTable reports whether t is one of a namespace's four system tables.
func isSystemTable(t string) bool {
	switch t {
	case systables.NamespaceAuth, systables.AttributeHub, systables.CustomAttribute, systables.SchemaVersion:
		return true
	}
	return false
}
