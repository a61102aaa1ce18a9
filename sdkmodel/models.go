package sdkmodel

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

//go:generate go run ./internal/gen

// Schema is the PostgreSQL schema that holds the platform's tables.
const Schema = "public"

// PlatformTables returns the names of every platform table (214: one per
// model of this package, plus the join tables of its many-to-many
// relations), without the schema (see Schema), sorted. A namespace's
// roles may read these tables and nothing else in Schema.
func PlatformTables() []string { return slices.Clone(platformTables) }

// Tables returns the same list as PlatformTables.
//
// Deprecated: use PlatformTables.
func Tables() []string { return PlatformTables() }

// Array is a PostgreSQL array column (varchar(n)[], text[], integer[],
// interval[]) as a Go slice. It scans from and writes to the array's text
// form. A nil Array is written as an empty array ('{}'); a nullable array
// column is a *Array, whose nil is NULL.
type Array[T string | int32 | time.Duration] []T

func (Array[T]) oid() uint32 {
	var zero T
	switch any(zero).(type) {
	case int32:
		return pgtype.Int4ArrayOID
	case time.Duration:
		return pgtype.IntervalArrayOID
	}
	return pgtype.TextArrayOID
}

var arrayTypes = pgtype.NewMap()

// Scan implements sql.Scanner. NULL scans as a nil Array.
func (a *Array[T]) Scan(src any) error {
	var buf []byte
	switch v := src.(type) {
	case nil:
		*a = nil
		return nil
	case string:
		buf = []byte(v)
	case []byte:
		buf = v
	default:
		return fmt.Errorf("sdkmodel: cannot scan %T into an Array", src)
	}
	var dst []T
	if err := arrayTypes.Scan(a.oid(), pgtype.TextFormatCode, buf, &dst); err != nil {
		return fmt.Errorf("sdkmodel: scan array: %w", err)
	}
	if dst == nil {
		dst = []T{}
	}
	*a = dst
	return nil
}

// Value implements driver.Valuer: the array's PostgreSQL text form.
func (a Array[T]) Value() (driver.Value, error) {
	if a == nil {
		return "{}", nil
	}
	buf, err := arrayTypes.Encode(a.oid(), pgtype.TextFormatCode, []T(a), nil)
	if err != nil {
		return nil, fmt.Errorf("sdkmodel: encode array: %w", err)
	}
	return string(buf), nil
}
