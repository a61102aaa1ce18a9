package custommodel

import (
	"errors"
	"fmt"
)

// Sentinel errors, usable with errors.Is.
var (
	// ErrDeclaration is matched by every DeclarationError: a model that
	// breaks a declaration rule. DDL reports all of a call's problems at once.
	ErrDeclaration = errors.New("custommodel: invalid model declaration")
	// ErrUnsupportedType is matched by a DeclarationError about a field whose
	// Go type has no column type.
	ErrUnsupportedType = errors.New("custommodel: unsupported field type")
	// ErrLookup is matched by a LookupError: a GetOrCreate/UpdateOrCreate
	// lookup that names an unknown column or is not covered by the primary
	// key or a unique index. Nothing was written.
	ErrLookup = errors.New("custommodel: invalid lookup")
	// ErrConflict is returned by GetOrCreate and UpdateOrCreate when a row
	// with the same key (primary key or unique index) exists but does not
	// match the rest of the lookup, so it can neither be returned nor
	// created.
	ErrConflict = errors.New("custommodel: a row with the same unique key exists but does not match the lookup")
	// ErrValueTooLong is matched by a LimitError about a text or JSON value
	// of more than MaxValueLength characters.
	ErrValueTooLong = errors.New("custommodel: value too long")
	// ErrTooManyRows is matched by a LimitError about a bulk write of more
	// than MaxBulkRows rows.
	ErrTooManyRows = errors.New("custommodel: too many rows in one write")
)

// DeclarationError is a model (or one of its fields) that breaks a
// declaration rule. It matches ErrDeclaration, and ErrUnsupportedType when
// the problem is a field's Go type.
type DeclarationError struct {
	// Model is the Go type name of the model.
	Model string
	// Field is the Go field name, empty when the problem is the whole model.
	Field string
	// Problem says what is wrong.
	Problem string
	// Fix says how to put it right.
	Fix string
	// Kind is ErrDeclaration or ErrUnsupportedType.
	Kind error
}

// Error returns "custommodel: model M, field F: problem; fix".
func (e *DeclarationError) Error() string {
	where := "model " + e.Model
	if e.Field != "" {
		where += ", field " + e.Field
	}
	msg := "custommodel: " + where + ": " + e.Problem
	if e.Fix != "" {
		msg += "; " + e.Fix
	}
	return msg
}

// Is reports whether target is ErrDeclaration or the error's Kind.
func (e *DeclarationError) Is(target error) bool {
	return target == ErrDeclaration || (e.Kind != nil && target == e.Kind)
}

// LookupError is a lookup that GetOrCreate or UpdateOrCreate refused before
// writing anything. It matches ErrLookup.
type LookupError struct {
	// Model is the Go type name of the model.
	Model string
	// Column is the offending lookup column, if one is to blame.
	Column string
	// Problem says what is wrong and how to fix it.
	Problem string
}

// Error returns "custommodel: lookup on M: problem".
func (e *LookupError) Error() string {
	return "custommodel: lookup on " + e.Model + ": " + e.Problem
}

// Is reports whether target is ErrLookup.
func (e *LookupError) Is(target error) bool { return target == ErrLookup }

// LimitError is a write refused, before anything was written, because it
// breaks one of Canvas's limits. It matches ErrValueTooLong or
// ErrTooManyRows.
type LimitError struct {
	// Model is the Go type (or table) name of the rows written.
	Model string
	// Field is the Go field (or column) name of a value that is too long;
	// empty for ErrTooManyRows.
	Field string
	// Limit is the limit that was exceeded.
	Limit int
	// Got is the value's length in characters, or the number of rows.
	Got int
	// Err is ErrValueTooLong or ErrTooManyRows.
	Err error
}

// Error names the model, the field and the limit that was exceeded.
func (e *LimitError) Error() string {
	if errors.Is(e.Err, ErrTooManyRows) {
		return fmt.Sprintf("custommodel: %s: a bulk write of %d rows is refused (at most %d rows per statement; write in batches)", e.Model, e.Got, e.Limit)
	}
	return fmt.Sprintf("custommodel: %s.%s: a value of %d characters is refused (at most %d characters per text or JSON value)", e.Model, e.Field, e.Got, e.Limit)
}

// Unwrap returns ErrValueTooLong or ErrTooManyRows.
func (e *LimitError) Unwrap() error { return e.Err }

func declErr(model, field, problem, fix string) error {
	return &DeclarationError{Model: model, Field: field, Problem: problem, Fix: fix, Kind: ErrDeclaration}
}
