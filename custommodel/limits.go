package custommodel

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Canvas's limits on custom data writes.
const (
	// MaxValueLength is the most characters (Unicode code points, as
	// Python's len counts them) a text or JSON value may hold.
	MaxValueLength = 1_048_576
	// MaxBulkRows is the most rows one create or update statement may write.
	MaxBulkRows = 10_000
)

const limitsCallback = "customdata:limits"

// RegisterCallbacks installs, on db, the GORM callbacks that refuse a write
// breaking Canvas's limits before anything is written: a text or JSON value
// longer than MaxValueLength characters (*LimitError matching
// ErrValueTooLong), a create or update of more than MaxBulkRows rows in
// one call (*LimitError matching ErrTooManyRows), and a decimal value that
// its numeric(p,s) column would round or could not hold (*DecimalError
// matching ErrDecimalDoesNotFit; PostgreSQL would round it silently). The
// last holds for maps of new values too (Updates(map...), Update(column,
// value)), whose decimal columns may be given as decimals, floats, integers
// or strings. They run after the
// model's Before hooks and before any association is saved. It is
// idempotent. The namespace package installs them on every handle's DB.
//
// What they see: the rows passed to Create, Save and Updates (structs,
// pointers to structs, slices of structs, maps and slices of maps), both
// the model and new values passed apart from it (Model(&row).Updates(T{})).
// An update by condition (Where(...).Updates) cannot know its row count in
// advance and is not counted, though its values are measured.
// CreateInBatches hands the callbacks one batch at a time; its first batch
// is judged by the rows from it to the end of the slice passed (the batch's
// capacity), so a call of more than MaxBulkRows rows is refused before its
// first batch is written. Spare capacity of that slice counts as rows:
// pass slices.Clip(rows) if it may have any.
//
// It refuses GORM writes of SDK models and their extensions before any
// round trip (ErrReadOnlyModel), and reports a statement on a custom model
// whose table the namespace lacks as ErrModelNotInstalled.
//
// It also installs the callbacks of the delete policies (see Delete): a
// write that sets a policy link locks the row it points to, and db.Delete
// applies the policies of the links to the rows it deletes.
func RegisterCallbacks(db *gorm.DB) error {
	if db == nil {
		return fmt.Errorf("%w: RegisterCallbacks", ErrNilDB)
	}
	cb := db.Callback()
	if cb.Create().Get(limitsCallback) == nil {
		if err := cb.Create().After("gorm:before_create").Before("gorm:save_before_associations").Register(limitsCallback, checkLimitsCallback); err != nil {
			return fmt.Errorf("custommodel: register create callback: %w", err)
		}
	}
	if cb.Update().Get(limitsCallback) == nil {
		if err := cb.Update().After("gorm:before_update").Before("gorm:save_before_associations").Register(limitsCallback, checkLimitsCallback); err != nil {
			return fmt.Errorf("custommodel: register update callback: %w", err)
		}
	}
	if err := registerModelCallbacks(db); err != nil { // SDK models read-only, models not installed (sdkerrors.go)
		return err
	}
	return registerPolicyCallbacks(db) // delete policies and their links (delete_callbacks.go)
}

func checkLimitsCallback(db *gorm.DB) {
	if db.Error != nil || db.Statement == nil {
		return
	}
	st := db.Statement
	model := st.Table
	if st.Schema != nil {
		model = st.Schema.Name
	}
	// Maps: Updates(map[string]any{...}) / Create(map...).
	switch d := st.Dest.(type) {
	case map[string]any:
		if err := checkMap(st.Schema, model, d); err != nil {
			_ = db.AddError(err)
		}
		return
	case *map[string]any:
		if err := checkMap(st.Schema, model, *d); err != nil {
			_ = db.AddError(err)
		}
		return
	case []map[string]any:
		checkMaps(db, model, d)
		return
	case *[]map[string]any:
		checkMaps(db, model, *d)
		return
	}
	if st.Schema == nil {
		return
	}
	// The rows being written: the model (Create, Save, Model(&row)...),
	// and the new values when they are passed apart from it
	// (Model(&row).Updates(T{...}), Where(...).Updates(&T{...})).
	if st.ReflectValue.IsValid() {
		if err := checkRows(st.Context, st.Schema, st.ReflectValue); err != nil {
			_ = db.AddError(err)
			return
		}
	}
	if dv := reflect.ValueOf(st.Dest); dv.IsValid() && !sameRows(dv, st.ReflectValue) {
		if err := checkRows(st.Context, st.Schema, dv); err != nil {
			_ = db.AddError(err)
			return
		}
	}
	if n, ok := batchedTotal(st.Dest); ok && n > MaxBulkRows {
		_ = db.AddError(&LimitError{Model: model, Limit: MaxBulkRows, Got: n, Err: ErrTooManyRows})
		return
	}
	if err := checkLaterBatches(db, st.Dest); err != nil {
		_ = db.AddError(err)
	}
}

func checkMaps(db *gorm.DB, model string, rows []map[string]any) {
	if len(rows) > MaxBulkRows {
		_ = db.AddError(&LimitError{Model: model, Limit: MaxBulkRows, Got: len(rows), Err: ErrTooManyRows})
		return
	}
	for _, m := range rows {
		if err := checkMap(db.Statement.Schema, model, m); err != nil {
			_ = db.AddError(err)
			return
		}
	}
}

// sameRows reports whether dest is (a pointer to) the rows rv, already
// checked.
func sameRows(dest, rv reflect.Value) bool {
	if !rv.IsValid() {
		return false
	}
	if dest.Kind() == reflect.Slice && rv.Kind() == reflect.Slice {
		return dest.Pointer() == rv.Pointer() && dest.Len() == rv.Len()
	}
	if !rv.CanAddr() || dest.Kind() != reflect.Pointer || dest.IsNil() {
		return false
	}
	return dest.Pointer() == rv.Addr().Pointer() && dest.Elem().Type() == rv.Type()
}

// batchedTotal recognizes one batch of GORM's CreateInBatches and returns
// how many rows the call writes from this batch on. GORM hands each batch
// to the create callbacks as a slice of the caller's slice, so the batch's
// capacity runs to the end of the caller's slice: on the first batch it is
// the whole call's row count, as long as the slice passed has no spare
// capacity beyond its length (spare capacity counts as rows; slices.Clip
// removes it). Only calls made from inside CreateInBatches are judged this
// way; a Create of one slice is judged by its length.
func batchedTotal(dest any) (int, bool) {
	dv := reflect.ValueOf(dest)
	if dv.Kind() != reflect.Pointer || dv.IsNil() || dv.Elem().Kind() != reflect.Slice {
		return 0, false
	}
	sv := dv.Elem()
	if sv.Cap() <= MaxBulkRows || sv.Cap() == sv.Len() {
		return 0, false // nothing beyond this batch can break the limit
	}
	if calledFromCreateInBatches() {
		return sv.Cap(), true
	}
	return 0, false
}

// calledFromCreateInBatches reports whether GORM's CreateInBatches is on
// the call stack.
func calledFromCreateInBatches() bool {
	var pcs [24]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, createInBatchesFunc) {
			return true
		}
		if !more {
			return false
		}
	}
}

// createInBatchesFunc is the function name of GORM's CreateInBatches (and
// the prefix of its closures').
const createInBatchesFunc = "gorm.io/gorm.(*DB).CreateInBatches"

// checkRows checks a struct or a slice/array of structs of model s.
func checkRows(ctx context.Context, s *schema.Schema, rv reflect.Value) error {
	rv = reflect.Indirect(rv)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Len() > MaxBulkRows {
			return &LimitError{Model: s.Name, Limit: MaxBulkRows, Got: rv.Len(), Err: ErrTooManyRows}
		}
		for i := 0; i < rv.Len(); i++ {
			if err := checkRow(ctx, s, rv.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		return checkRow(ctx, s, rv)
	}
	return nil
}

func checkRow(ctx context.Context, s *schema.Schema, rv reflect.Value) error {
	rv = reflect.Indirect(rv)
	if rv.Kind() != reflect.Struct || rv.Type() != s.ModelType {
		return nil
	}
	for _, f := range s.Fields {
		if f.DBName == "" || !(f.Creatable || f.Updatable) {
			continue
		}
		fv := f.ReflectValueOf(ctx, rv)
		if !fv.IsValid() || fv.IsZero() {
			continue
		}
		if err := checkValue(s.Name, f.Name, fv.Interface()); err != nil {
			return err
		}
		if err := checkDecimal(s.Name, f, fv.Interface()); err != nil {
			return err
		}
	}
	return nil
}

// checkMap checks the values of a map of new values; s, when known, is
// the model's schema, whose fields tell the decimal columns.
func checkMap(s *schema.Schema, model string, m map[string]any) error {
	for k, v := range m {
		if err := checkValue(model, k, v); err != nil {
			return err
		}
		if s != nil {
			if err := checkDecimal(model, s.LookUpField(k), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkValue measures text and JSON values. Other types are left alone.
func checkValue(model, field string, v any) error {
	n := valueLength(v)
	if n > MaxValueLength {
		return &LimitError{Model: model, Field: field, Limit: MaxValueLength, Got: n, Err: ErrValueTooLong}
	}
	return nil
}

// valueLength is the length in characters of a text or JSON value, or 0.
// A byte count at or under the limit proves the character count is too, so
// only long values are counted rune by rune.
func valueLength(v any) int {
	count := func(s string) int {
		if len(s) <= MaxValueLength {
			return len(s)
		}
		return utf8.RuneCountInString(s)
	}
	switch x := v.(type) {
	case string:
		return count(x)
	case *string:
		if x != nil {
			return count(*x)
		}
	case json.RawMessage:
		return count(string(x))
	case []byte:
		return count(string(x))
	case nil:
		return 0
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return 0
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.String:
		return count(rv.String())
	case reflect.Map, reflect.Slice, reflect.Struct, reflect.Array:
		// A JSON-serialized field (GORM hands its raw Go value to
		// ValueOf) or a JSON value in a map: measure its encoding.
		if rv.Kind() == reflect.Struct && !isJSONish(rv.Type()) {
			return 0
		}
		b, err := json.Marshal(rv.Interface())
		if err != nil {
			return 0
		}
		return count(string(b))
	}
	return 0
}

// isJSONish reports whether a struct value would be stored as JSON, as
// opposed to a value type like time.Time or decimal.Decimal.
func isJSONish(t reflect.Type) bool {
	switch t {
	case timeType, dateType, decimalType, uuidType:
		return false
	}
	return !reflect.PointerTo(t).Implements(valuerType) && !t.Implements(valuerType)
}
