package custommodel

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// ErrDecimalDoesNotFit is matched by a *DecimalError: a decimal value that
// its numeric(p,s) column would not store as given. Nothing was written.
var ErrDecimalDoesNotFit = errors.New("custommodel: decimal value does not fit its column")

// DecimalError is a write refused, before anything was written, because a
// decimal value does not fit its numeric(precision, scale) column:
// PostgreSQL would silently round a value with more than Scale decimal
// places, and refuse one with more than Precision-Scale digits before the
// point only once the statement runs. It matches ErrDecimalDoesNotFit.
type DecimalError struct {
	// Model is the Go type (or table) name of the row written.
	Model string
	// Field is the Go field name (or the column name, for a map).
	Field string
	// Column is the column's name.
	Column string
	// Value is the value that was refused.
	Value decimal.Decimal
	// Precision and Scale are the column's.
	Precision, Scale int
	// TooLarge is true when the value has too many digits before the
	// decimal point; false when it has too many after it.
	TooLarge bool
}

// Error names the model, the field, the column type, what is wrong and the
// fix.
func (e *DecimalError) Error() string {
	where := fmt.Sprintf("custommodel: %s.%s: decimal %s does not fit column %q numeric(%d,%d)", e.Model, e.Field, e.Value, e.Column, e.Precision, e.Scale)
	if e.TooLarge {
		return where + fmt.Sprintf(": it has more than %d digits before the decimal point; declare a larger precision (`gorm:\"precision:%d;scale:%d\"`) or store a smaller value",
			e.Precision-e.Scale, e.Precision+1, e.Scale)
	}
	return where + fmt.Sprintf(": it has more than %d decimal places and would be stored rounded to %s; round it first (Round(%d)) or declare a larger scale (`gorm:\"precision:%d;scale:%d\"`)",
		e.Scale, e.Value.Round(int32(e.Scale)), e.Scale, e.Precision+1, e.Scale+1)
}

// Unwrap returns ErrDecimalDoesNotFit.
func (e *DecimalError) Unwrap() error { return ErrDecimalDoesNotFit }

// isDecimalField reports whether f is a decimal.Decimal field (or a
// pointer to one): a numeric(p,s) column.
func isDecimalField(f *schema.Field) bool {
	if f == nil {
		return false
	}
	t := f.FieldType
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t == decimalType
}

// decimalPrecision is f's column precision and scale: its tags', or
// DefaultPrecision and DefaultScale.
func decimalPrecision(f *schema.Field) (p, s int) {
	p, s = f.Precision, f.Scale
	if p == 0 && s == 0 {
		p, s = DefaultPrecision, DefaultScale
	}
	return p, s
}

// checkDecimal refuses v, about to be written to field f of model, when f
// is a decimal field and v does not fit its column. v may be what the field
// holds (decimal.Decimal, *decimal.Decimal) or, from a map of new values,
// a float, an integer or a string, which PostgreSQL would convert and round
// the same way. Other values, and values that are not numbers, are left to
// PostgreSQL.
func checkDecimal(model string, f *schema.Field, v any) error {
	if !isDecimalField(f) {
		return nil
	}
	d, ok := asDecimal(v)
	if !ok {
		return nil
	}
	p, s := decimalPrecision(f)
	// Fast path, from the coefficient and exponent alone: at most s places
	// after the point, and at most p-s digits before it.
	if exp := int64(d.Exponent()); exp >= -int64(s) && int64(d.NumDigits())+exp <= int64(p-s) {
		return nil
	}
	e := &DecimalError{Model: model, Field: f.Name, Column: f.DBName, Value: d, Precision: p, Scale: s}
	if !d.Equal(d.Round(int32(s))) {
		return e
	}
	if p-s < 1000 && d.Abs().GreaterThanOrEqual(decimal.New(1, int32(p-s))) {
		e.TooLarge = true
		return e
	}
	return nil
}

// asDecimal converts a value bound for a numeric column to the decimal
// PostgreSQL would receive.
func asDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case *decimal.Decimal:
		if x == nil {
			return decimal.Decimal{}, false
		}
		return *x, true
	case decimal.NullDecimal:
		return x.Decimal, x.Valid
	case *decimal.NullDecimal:
		if x == nil {
			return decimal.Decimal{}, false
		}
		return x.Decimal, x.Valid
	case string:
		d, err := decimal.NewFromString(x)
		return d, err == nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return decimal.Decimal{}, false
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		// The text the driver sends for a float: its shortest exact form.
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return decimal.Decimal{}, false // NaN, infinities
		}
		d, err := decimal.NewFromString(strconv.FormatFloat(f, 'f', -1, rv.Type().Bits()))
		return d, err == nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decimal.NewFromInt(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return decimal.NewFromUint64(rv.Uint()), true
	}
	return decimal.Decimal{}, false
}

// checkLaterBatches checks the decimal values of the rows that a
// CreateInBatches call will write after this batch (the batch's spare
// capacity is the rest of the caller's slice): GORM commits each batch on
// its own when default transactions are off, as they are on a namespace's
// handle, so a value refused only in its own batch would leave the earlier
// batches written. Models without decimal fields cost nothing, and the
// rows of one call are looked at once: the later batches of a call whose
// first batch was checked are skipped (each batch is still checked in full
// by checkRows when its turn comes).
func checkLaterBatches(db *gorm.DB, dest any) error {
	st := db.Statement
	s := st.Schema
	dv := reflect.ValueOf(dest)
	if s == nil || dv.Kind() != reflect.Pointer || dv.IsNil() || dv.Elem().Kind() != reflect.Slice {
		return nil
	}
	sv := dv.Elem()
	if sv.Cap() == sv.Len() {
		return nil
	}
	var decimals []*schema.Field
	for _, f := range s.Fields {
		if f.DBName != "" && isDecimalField(f) {
			decimals = append(decimals, f)
		}
	}
	if len(decimals) == 0 || !calledFromCreateInBatches() {
		return nil
	}
	all := sv.Slice(0, sv.Cap())
	if !laterBatches.first(db.Config, all.Index(all.Len()-1).UnsafeAddr()) {
		return nil
	}
	rest := sv.Slice(sv.Len(), sv.Cap())
	for i := 0; i < rest.Len(); i++ {
		row := reflect.Indirect(rest.Index(i))
		if row.Kind() != reflect.Struct || row.Type() != s.ModelType {
			continue
		}
		for _, f := range decimals {
			fv := f.ReflectValueOf(st.Context, row)
			if !fv.IsValid() || fv.IsZero() {
				continue
			}
			v := any(nil)
			if fv.CanAddr() && fv.Kind() == reflect.Struct {
				v = fv.Addr().Interface() // a *decimal.Decimal: no copy
			} else {
				v = fv.Interface()
			}
			if err := checkDecimal(s.Name, f, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// laterBatches remembers the CreateInBatches calls whose later rows were
// checked. GORM gives each call a *gorm.Config of its own (a Session),
// shared by its batches, whose slices all end at the same element: the
// pair names one call. The map holds the configs, so their addresses are
// not reused while remembered; it is emptied when it grows large.
var laterBatches = &batchMemo{seen: map[batchKey]struct{}{}}

type batchKey struct {
	cfg *gorm.Config
	end uintptr
}

type batchMemo struct {
	mu   sync.Mutex
	seen map[batchKey]struct{}
}

// maxBatchMemo bounds batchMemo; forgetting a call only costs a repeated
// check.
const maxBatchMemo = 256

// first reports whether this is the first batch seen of the call (cfg, end).
func (m *batchMemo) first(cfg *gorm.Config, end uintptr) bool {
	k := batchKey{cfg, end}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.seen[k]; ok {
		return false
	}
	if len(m.seen) >= maxBatchMemo {
		clear(m.seen)
	}
	m.seen[k] = struct{}{}
	return true
}
