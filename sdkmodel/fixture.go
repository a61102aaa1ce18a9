package sdkmodel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// ErrNilDB is returned by CreateFixtureTables and the Seed functions when
// they are given a nil *gorm.DB.
var ErrNilDB = errors.New("sdkmodel: db is nil (pass an admin connection to the test database)")

// fixtureTable is one platform table as the fixture creates it.
type fixtureTable struct {
	name    string // db_table, without the schema
	model   string // Go type name; empty for a many-to-many join table
	pk      string // primary-key column
	columns []fixtureColumn
	unique  [][]string // unique constraints over several columns
}

// fixtureColumn is one column of a fixture table.
type fixtureColumn struct {
	name      string
	typ       string // PostgreSQL type, as the schema file spells it
	null      bool
	unique    bool
	identity  bool // an auto-numbered key
	maxLen    int
	ref       string // the table a foreign key points to
	refColumn string
	choice    string // a valid stored value, for columns with choices
}

var fixtureByName = func() map[string]*fixtureTable {
	m := make(map[string]*fixtureTable, len(fixtureTables))
	for i := range fixtureTables {
		m[fixtureTables[i].name] = &fixtureTables[i]
	}
	return m
}()

// ddl is the CREATE TABLE statement of t.
func (t *fixtureTable) ddl() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + sqlident.Quote(Schema, t.name) + " (\n")
	for _, c := range t.columns {
		b.WriteString("    " + sqlident.Quote(c.name) + " " + c.typ)
		if c.identity {
			b.WriteString(" DEFAULT nextval(" + sqlident.Literal(sqlident.Quote(Schema, fixtureSequence)) + ")")
		}
		if !c.null {
			b.WriteString(" NOT NULL")
		}
		b.WriteString(",\n")
	}
	b.WriteString("    PRIMARY KEY (" + sqlident.Quote(t.pk) + ")")
	for _, c := range t.columns {
		if c.unique {
			b.WriteString(",\n    UNIQUE (" + sqlident.Quote(c.name) + ")")
		}
	}
	for _, u := range t.unique {
		q := make([]string, len(u))
		for i, c := range u {
			q[i] = sqlident.Quote(c)
		}
		b.WriteString(",\n    UNIQUE (" + strings.Join(q, ", ") + ")")
	}
	b.WriteString("\n)")
	return b.String()
}

// fixtureSequence numbers the keys of every fixture table. One sequence
// rather than an identity per table keeps the template smaller to clone
// (about 210 relations fewer), and a key is never reused across tables, so
// a link to the wrong table finds nothing.
const fixtureSequence = "sdkmodel_fixture_dbid_seq"

// fixtureDDL returns the statements that create the fixture's tables.
func fixtureDDL() []string {
	stmts := []string{"CREATE SEQUENCE IF NOT EXISTS " + sqlident.Quote(Schema, fixtureSequence)}
	for i := range fixtureTables {
		stmts = append(stmts, fixtureTables[i].ddl())
	}
	return stmts
}

var fixtureVersion = func() string {
	sum := sha256.Sum256([]byte(strings.Join(fixtureDDL(), ";\n")))
	return "sdkmodel-fixture-" + hex.EncodeToString(sum[:8])
}()

// FixtureVersion identifies the fixture's DDL: it changes whenever the
// fixture tables change, so test templates built from CreateFixtureTables can
// be keyed on it.
func FixtureVersion() string { return fixtureVersion }

// CreateFixtureTables creates every platform table (PlatformTables) in
// schema public of db's database, for tests and examples: each with exactly
// the platform's columns, types and nullability, its primary key and its
// unique constraints (no foreign-key constraints, no indexes beyond those).
// An auto-numbered key (dbid) defaults to the next value of one sequence
// shared by all the fixture's tables, so inserts may leave it out and no
// two rows of the fixture share a dbid.
//
// It is idempotent, and cheap when the tables are already there (as in a
// database cloned from a template that has them): one query finds them
// marked with FixtureVersion. db must be an admin connection (not a
// namespace handle).
func CreateFixtureTables(ctx context.Context, db *gorm.DB) error {
	if db == nil {
		return ErrNilDB
	}
	db = db.WithContext(ctx)
	var marked struct {
		Version *string
		Tables  int
	}
	if err := db.Raw(`SELECT obj_description(to_regclass(?), 'pg_class') AS version,
    (SELECT count(*) FROM pg_tables WHERE schemaname = ? AND tablename = ANY(string_to_array(?, ','))) AS tables`,
		sqlident.Quote(Schema, PatientTable), Schema, strings.Join(platformTables, ",")).Scan(&marked).Error; err != nil {
		return fmt.Errorf("sdkmodel: create fixture tables: %w", err)
	}
	if marked.Version != nil && *marked.Version == fixtureVersion && marked.Tables == len(platformTables) {
		return nil
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, stmt := range fixtureDDL() {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return tx.Exec("COMMENT ON TABLE " + sqlident.Quote(Schema, PatientTable) + " IS " + sqlident.Literal(fixtureVersion)).Error
	})
	if err != nil {
		return fmt.Errorf("sdkmodel: create fixture tables: %w", err)
	}
	return nil
}
