package custommodel

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// Sentinels for the misuses of models that PostgreSQL would otherwise
// report with its own codes.
var (
	// ErrReadOnlyModel is matched by a write (GORM's Create, Save, Update,
	// Updates, Delete; GetOrCreate, UpdateOrCreate, Delete) of an SDK model
	// (package sdkmodel) or an SDK model extension: platform tables are
	// read-only to plugins. Through a DB with RegisterCallbacks (a
	// namespace handle's) GORM's writes are refused before any round trip.
	ErrReadOnlyModel = errors.New("custommodel: SDK models are read-only")
	// ErrModelNotInstalled is matched by an error of a statement on a
	// custom model whose table does not exist in the namespace: the model
	// was not passed to the install of any plugin of the namespace. The
	// driver's *pgconn.PgError (42P01, undefined_table) stays in the chain.
	ErrModelNotInstalled = errors.New("custommodel: model not installed in the namespace")
	// ErrNilDB is returned by the functions of this package given a nil
	// *gorm.DB.
	ErrNilDB = errors.New("custommodel: nil *gorm.DB (pass the DB of a namespace handle)")
)

const (
	readOnlyCallback     = "customdata:read_only_models"
	notInstalledCallback = "customdata:model_not_installed"
	platformCallback     = "customdata:platform_write_refused"
)

// registerModelCallbacks installs the callbacks that refuse writes of SDK
// models before any round trip and name the model that a statement found
// not installed.
func registerModelCallbacks(db *gorm.DB) error {
	cb := db.Callback()
	var errs []error
	if cb.Create().Get(readOnlyCallback) == nil {
		errs = append(errs, cb.Create().Before("*").Register(readOnlyCallback, refuseSDKWrite("create")))
	}
	if cb.Update().Get(readOnlyCallback) == nil {
		errs = append(errs, cb.Update().Before("*").Register(readOnlyCallback, refuseSDKWrite("update")))
	}
	if cb.Delete().Get(readOnlyCallback) == nil {
		errs = append(errs, cb.Delete().Before("*").Register(readOnlyCallback, refuseSDKWrite("delete")))
	}
	if cb.Create().Get(notInstalledCallback) == nil {
		errs = append(errs, cb.Create().Register(notInstalledCallback, translateNotInstalled))
	}
	if cb.Query().Get(notInstalledCallback) == nil {
		errs = append(errs, cb.Query().Register(notInstalledCallback, translateNotInstalled))
	}
	if cb.Update().Get(notInstalledCallback) == nil {
		errs = append(errs, cb.Update().Register(notInstalledCallback, translateNotInstalled))
	}
	if cb.Delete().Get(notInstalledCallback) == nil {
		errs = append(errs, cb.Delete().Register(notInstalledCallback, translateNotInstalled))
	}
	if cb.Row().Get(notInstalledCallback) == nil {
		errs = append(errs, cb.Row().Register(notInstalledCallback, translateNotInstalled))
	}
	// Writes GORM cannot see as model writes (Exec, Table("...")) reach
	// PostgreSQL, which refuses them (42501) on a platform table.
	if cb.Raw().Get(platformCallback) == nil {
		errs = append(errs, cb.Raw().Register(platformCallback, translatePlatformWrite))
	}
	if cb.Create().Get(platformCallback) == nil {
		errs = append(errs, cb.Create().Register(platformCallback, translatePlatformWrite))
	}
	if cb.Update().Get(platformCallback) == nil {
		errs = append(errs, cb.Update().Register(platformCallback, translatePlatformWrite))
	}
	if cb.Delete().Get(platformCallback) == nil {
		errs = append(errs, cb.Delete().Register(platformCallback, translatePlatformWrite))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("custommodel: register model callbacks: %w", err)
	}
	return nil
}

func refuseSDKWrite(op string) func(*gorm.DB) {
	return func(db *gorm.DB) {
		if db.Error != nil || db.Statement == nil || db.Statement.Schema == nil {
			return
		}
		if k := classify(db.Statement.Schema.ModelType); k == kindSDK || k == kindExtension {
			_ = db.AddError(readOnlyError(db.Statement.Schema.ModelType.Name(), op))
		}
	}
}

func readOnlyError(model, op string) error {
	return fmt.Errorf("%w: cannot %s %s rows: %s is an SDK model (or an extension of one) and reads a platform table that only the platform writes; "+
		"store the plugin's own data in a custom model (a struct embedding custommodel.CustomModel)", ErrReadOnlyModel, op, model, model)
}

// platformTables is the set of sdkmodel's platform tables.
var platformTables = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, t := range sdkmodel.PlatformTables() {
		m[t] = true
	}
	return m
})

// deniedTable finds the table in PostgreSQL's 42501 message (permission
// denied for table name).
var deniedTable = regexp.MustCompile(`permission denied for table "?([^"\s]+)"?`)

// translatePlatformWrite wraps PostgreSQL's refusal (42501) of a write to
// a platform table with ErrReadOnlyModel, keeping the *pgconn.PgError.
func translatePlatformWrite(db *gorm.DB) {
	if db.Error == nil || errors.Is(db.Error, ErrReadOnlyModel) {
		return
	}
	var pg *pgconn.PgError
	if !errors.As(db.Error, &pg) || pg.Code != "42501" {
		return
	}
	m := deniedTable.FindStringSubmatch(pg.Message)
	if m == nil || !platformTables()[m[1]] {
		return
	}
	db.Error = fmt.Errorf("%w: PostgreSQL refused a write to platform table %q, which only the platform writes; "+
		"store the plugin's own data in a custom model (a struct embedding custommodel.CustomModel): %w", ErrReadOnlyModel, m[1], db.Error)
}

// missingRelation finds the relation named in PostgreSQL's 42P01 message
// (relation "ns.table" does not exist).
var missingRelation = regexp.MustCompile(`relation "([^"]+)"`)

// translateNotInstalled wraps a 42P01 (undefined_table) error of a
// statement on a namespace table with ErrModelNotInstalled, naming the
// model (the statement's, or one it joins) whose table is missing.
func translateNotInstalled(db *gorm.DB) {
	if db.Error == nil {
		return
	}
	var nie *NotInstalledError
	if errors.As(db.Error, &nie) { // from an inner statement: name its model if this one knows it
		if nie.Model == "" && db.Statement.Schema != nil {
			if model := modelOfTable(db.Statement.Schema, nie.Table); model != "" {
				db.Error = notInstalled(nie.Namespace, model, nie.Table, db.Error)
			}
		}
		return
	}
	var pg *pgconn.PgError
	if !errors.As(db.Error, &pg) || pg.Code != "42P01" {
		return
	}
	ns, err := scope.Namespace(db)
	if err != nil {
		return
	}
	rel := relationOf(pg, ns)
	if rel == "" && missingRelation.MatchString(pg.Message) {
		return // another schema's relation
	}
	model := ""
	if s := db.Statement.Schema; s != nil {
		model = modelOfTable(s, rel)
	}
	if model == "" && rel == "" {
		return
	}
	db.Error = notInstalled(ns, model, rel, db.Error)
}

// relationOf returns the table (without schema) that a 42P01 error names
// in namespace ns, or "" when it names none there.
func relationOf(pg *pgconn.PgError, ns string) string {
	m := missingRelation.FindStringSubmatch(pg.Message)
	if m == nil {
		return ""
	}
	rel, ok := strings.CutPrefix(m[1], ns+".")
	if !ok {
		return ""
	}
	return rel
}

// modelOfTable returns the Go name of the custom model among s and its
// relations whose table is rel ("" for s's own table when rel is empty).
func modelOfTable(s *schema.Schema, rel string) string {
	if classify(s.ModelType) == kindCustom && (rel == "" || strings.ToLower(s.Name) == rel) {
		return s.Name
	}
	for _, r := range s.Relationships.Relations {
		if r.FieldSchema != nil && classify(r.FieldSchema.ModelType) == kindCustom && strings.ToLower(r.FieldSchema.Name) == rel {
			return r.FieldSchema.Name
		}
	}
	return ""
}

// NotInstalledError is a statement on a custom model whose table does not
// exist in the namespace. It matches ErrModelNotInstalled and unwraps to
// the driver's error (a *pgconn.PgError with code 42P01).
type NotInstalledError struct {
	// Model is the Go name of the custom model, when known.
	Model string
	// Table is the missing table, without its schema.
	Table string
	// Namespace is the namespace searched.
	Namespace string
	// Err is the driver's error.
	Err error
}

// Error names the model, its table and the fix.
func (e *NotInstalledError) Error() string {
	what := fmt.Sprintf("table %q", e.Table)
	if e.Model != "" {
		what = fmt.Sprintf("model %s (table %q)", e.Model, e.Table)
	}
	return fmt.Sprintf("%v: %s does not exist in namespace %q; pass the model to Install (with the plugin's other models) so that the install creates its table: %v",
		ErrModelNotInstalled, what, e.Namespace, e.Err)
}

// Unwrap returns ErrModelNotInstalled and the driver's error.
func (e *NotInstalledError) Unwrap() []error { return []error{ErrModelNotInstalled, e.Err} }

// notInstalled wraps err (a 42P01) as a *NotInstalledError. When err
// already holds one that names no model, the result names model instead
// (messages are fixed when errors are wrapped, so it is a new error).
func notInstalled(ns, model, table string, err error) error {
	if table == "" {
		table = strings.ToLower(model)
	}
	var nie *NotInstalledError
	if errors.As(err, &nie) {
		if nie.Model == "" && nie.Table == table && model != "" {
			return &NotInstalledError{Model: model, Table: table, Namespace: nie.Namespace, Err: nie.Err}
		}
		return err
	}
	return &NotInstalledError{Model: model, Table: table, Namespace: ns, Err: err}
}

// undefinedTable reports whether err is PostgreSQL's 42P01.
func undefinedTable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42P01"
}
