package attributehub

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors. Every error this package returns for one of these causes
// wraps the sentinel, so callers test with errors.Is; a PostgreSQL error, if
// there was one, stays in the chain too (errors.As with *pgconn.PgError).
var (
	// ErrHubNotFound: no hub with this (type, id) exists in the namespace
	// (Get, Delete), or, for a write of attributes, the hub was deleted
	// before the write could commit. Delete reports it only when there was
	// no hub to delete, never for a hub that still exists.
	ErrHubNotFound = errors.New("attributehub: hub not found")
	// ErrHubExists: Create found a hub with the same (type, id); use
	// GetOrCreate to reuse it.
	ErrHubExists = errors.New("attributehub: hub already exists")
	// ErrInvalidHub: a hub type or id is empty, longer than MaxHubField
	// characters, not valid UTF-8 or holds a NUL byte; or a *Hub was not
	// obtained from this package.
	ErrInvalidHub = errors.New("attributehub: invalid hub")
	// ErrInvalidName: an attribute name is empty, longer than MaxNameLength
	// bytes, not valid UTF-8 or holds a NUL byte.
	ErrInvalidName = errors.New("attributehub: invalid attribute name")
	// ErrInvalidValue: a value cannot be stored without loss (NaN, infinity,
	// out of range, too many digits, too long, unsupported Go type, ...).
	// Nothing is written.
	ErrInvalidValue = errors.New("attributehub: invalid attribute value")
	// ErrTooMany: SetAttributes was given more than MaxBulk attributes.
	ErrTooMany = errors.New("attributehub: too many attributes in one call")
	// ErrInvalidQuery: a Condition cannot be evaluated (for example Gt on a
	// bool, or an In list that mixes value kinds).
	ErrInvalidQuery = errors.New("attributehub: invalid query")
	// ErrTypeMismatch is matched (errors.Is) by every *TypeMismatchError.
	ErrTypeMismatch = errors.New("attributehub: attribute type mismatch")
	// ErrNilDB: a function was given a nil *gorm.DB. (A DB that is not nil
	// but not bound to a namespace is refused with another error, which
	// says so.)
	ErrNilDB = errors.New("attributehub: nil *gorm.DB (pass the DB of a namespace handle)")
)

// TypeMismatchError reports that a stored attribute cannot be read as the Go
// type asked for (Attribute[T], Value[T]). Nothing is panicked; use errors.As
// to inspect it.
type TypeMismatchError struct {
	// Name is the attribute's name.
	Name string
	// Stored is the kind of value stored (its column).
	Stored Kind
	// Want is the Go type that was asked for.
	Want reflect.Type
	// Err, if not nil, is the underlying reason (out of range, a
	// json.Unmarshal error, ...).
	Err error
}

// Error implements error.
func (e *TypeMismatchError) Error() string {
	what := "a " + e.Stored.String() + " value"
	if e.Stored == KindInt {
		what = "an int value"
	}
	if e.Stored == KindNull {
		what = "a stored nil"
	}
	msg := fmt.Sprintf("attributehub: attribute %q holds %s; cannot read it as %v", e.Name, what, e.Want)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying reason, if any.
func (e *TypeMismatchError) Unwrap() error { return e.Err }

// Is reports whether target is ErrTypeMismatch.
func (e *TypeMismatchError) Is(target error) bool { return target == ErrTypeMismatch }

// PostgreSQL SQLSTATE codes this package translates into its sentinels.
const (
	sqlstateUniqueViolation     = "23505"
	sqlstateForeignKeyViolation = "23503"
	sqlstateNumericOutOfRange   = "22003"
	sqlstateProgramLimit        = "54000"
	sqlstateUntranslatable      = "22P05"
)

// wrapDB wraps a database error: the message says what was being done, the
// chain keeps the driver's *pgconn.PgError and, where the cause is known, one
// of the sentinels.
func wrapDB(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	short := make([]any, len(args)) // long names and values are not repeated whole
	for i, a := range args {
		if s, ok := a.(string); ok {
			a = shorten(s)
		}
		short[i] = a
	}
	what := fmt.Sprintf(format, short...)
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case sqlstateUniqueViolation:
			return fmt.Errorf("%w: %s: %w", ErrHubExists, what, err)
		case sqlstateForeignKeyViolation:
			return fmt.Errorf("%w (deleted meanwhile?): %s: %w", ErrHubNotFound, what, err)
		case sqlstateNumericOutOfRange:
			return fmt.Errorf("%w: %s: the column cannot hold the value: %w", ErrInvalidValue, what, err)
		case sqlstateUntranslatable:
			return fmt.Errorf("%w: %s: PostgreSQL cannot store the value (a NUL character, \\u0000, in JSON): %w", ErrInvalidValue, what, err)
		case sqlstateProgramLimit:
			if pg.ConstraintName == "" {
				return fmt.Errorf("%w: %s: the value is beyond a limit of PostgreSQL: %w", ErrInvalidValue, what, err)
			}
			return fmt.Errorf("%w: %s: an entry is too large for index %q of the table (a btree index holds entries of "+
				"at most about 2,700 bytes; long text that such an index refuses can be stored as JSON or in a custom "+
				"model): %w", ErrInvalidValue, what, pg.ConstraintName, err)
		}
	}
	return fmt.Errorf("attributehub: %s: %w", what, err)
}
