// Package scope makes *gorm.DB values that are bound to one namespace.
//
// A namespace-scoped *gorm.DB carries a Namer as its naming strategy: every
// model's table resolves to "<namespace>"."<lowercased struct name>", so a
// statement never depends on the session's search_path. Packages that work on
// such a DB (custommodel, attributehub) ask Namespace for the schema name.
//
// GORM caches parsed models per *gorm.DB configuration, so each namespace gets
// its own *gorm.DB (made by Open); the same Go type can then live in two
// namespaces at once.
package scope

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/manifest"
)

// ErrNotScoped is returned by Namespace for a *gorm.DB that was not made by
// Open (for example the platform's admin connection).
// Its text has no prefix: each package wraps it with its own.
var ErrNotScoped = errors.New("this *gorm.DB is not bound to a namespace (use the DB of a namespace handle)")

// Namer is the GORM naming strategy of a namespace-scoped DB. Table names are
// the Go type's name lowercased (NoteTag -> notetag), inside Schema; every
// other name (columns, indexes) follows GORM's default snake_case rules.
// A model that implements schema.Tabler (the SDK models) keeps its own name.
type Namer struct {
	schema.NamingStrategy
	// Schema is the namespace, the PostgreSQL schema that holds the tables.
	Schema string
	// ReadOnly says the DB's writes are refused (Options.ReadOnly).
	ReadOnly bool
}

// TableName implements schema.Namer.
func (n Namer) TableName(name string) string {
	return n.Schema + "." + strings.ToLower(name)
}

// SchemaName implements schema.Namer: it strips the namespace prefix that
// TableName adds and recovers the Go-ish type name GORM uses for join tables.
func (n Namer) SchemaName(table string) string {
	return n.NamingStrategy.SchemaName(strings.TrimPrefix(table, n.Schema+"."))
}

// Options tune Open.
type Options struct {
	// Logger is GORM's logger; nil means silent.
	Logger logger.Interface
	// ReadOnly marks the DB as one whose GORM callbacks refuse every write
	// (the caller registers them): see ReadOnly.
	ReadOnly bool
}

// Open wraps an open connection pool in a *gorm.DB bound to namespace. The
// namespace must already be validated (manifest.ValidateNamespace). GORM's
// default transaction around single writes is off: every SDK write is one
// statement.
func Open(pool *sql.DB, namespace string, opts Options) (*gorm.DB, error) {
	if err := manifest.ValidateNamespace(namespace); err != nil {
		return nil, fmt.Errorf("customdata: scope.Open: %w", err)
	}
	lg := opts.Logger
	if lg == nil {
		lg = logger.Discard
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: pool}), &gorm.Config{
		NamingStrategy:         Namer{Schema: namespace, ReadOnly: opts.ReadOnly},
		SkipDefaultTransaction: true,
		// Name the model's columns instead of SELECT *: a column another
		// install adds to a table then leaves the result type of statements
		// connections have prepared unchanged (no 0A000).
		QueryFields: true,
		Logger:      lg,
	})
	if err != nil {
		return nil, fmt.Errorf("customdata: open namespace %q: %w", namespace, err)
	}
	return db, nil
}

// Namespace returns the namespace db is bound to, or ErrNotScoped.
func Namespace(db *gorm.DB) (string, error) {
	if db == nil || db.Config == nil {
		return "", ErrNotScoped
	}
	switch n := db.Config.NamingStrategy.(type) {
	case Namer:
		return n.Schema, nil
	case *Namer:
		return n.Schema, nil
	}
	return "", ErrNotScoped
}

// ReadOnly reports whether db was opened with Options.ReadOnly: its GORM
// callbacks refuse every write (a namespace read handle's), so code that
// would send a write around GORM (the SDK's hot paths) sends it through
// GORM instead. The mark lives in the DB's naming strategy, which every
// session of the DB carries and nothing changes after Open.
func ReadOnly(db *gorm.DB) bool {
	if db == nil || db.Config == nil {
		return false
	}
	switch n := db.Config.NamingStrategy.(type) {
	case Namer:
		return n.ReadOnly
	case *Namer:
		return n.ReadOnly
	}
	return false
}
