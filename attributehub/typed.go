package attributehub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/shopspring/decimal"

	"github.com/canvas-sdk-go/customdata/civil"
)

// Attribute reads the attribute name of h as a T. ok is false (and err nil)
// if the attribute does not exist. A stored value that cannot become a T
// without loss is a *TypeMismatchError (errors.Is ErrTypeMismatch), never a
// panic. The conversion rules are those of Value.
func Attribute[T any](ctx context.Context, h *Hub, name string) (value T, ok bool, err error) {
	var zero T
	v, ok, err := h.GetAttribute(ctx, name)
	if err != nil || !ok {
		return zero, ok, err
	}
	value, err = convert[T](name, v)
	return value, true, err
}

// Value reads values[name] as a T: the typed getter for maps returned by
// Attributes, ListWithAttributes and Load. ok is false if name is absent.
//
// Conversion rules (anything else is a *TypeMismatchError):
//   - T is any: the value as stored (see GetAttribute).
//   - a stored nil: the zero T for pointer, map, slice and interface types;
//     a mismatch for every other T.
//   - string kinds: a text value.
//   - integer kinds: an int value within T's range, or a decimal value with
//     no fraction within T's range (a decimal in a map built by hand may be
//     of any size; beyond T's range it is a mismatch).
//   - float32, float64: an int value of at most 2^24 / 2^53 in magnitude, or a
//     decimal value that equals the shortest decimal form of the nearest
//     float (so a stored 0.1 reads as 0.1, but 0.1234567891 as float32 is a
//     mismatch).
//   - decimal.Decimal: a decimal or an int value.
//   - bool kinds: a bool value. civil.Date: a date. time.Time: a timestamp
//     (in UTC).
//   - json.RawMessage: a JSON value, as stored (jsonb's normal form: keys
//     sorted by length then bytes, one space after ':' and ',').
//   - any T but time.Time, civil.Date and decimal.Decimal: a JSON value,
//     decoded with json.Unmarshal (structs, maps, slices; a JSON string into
//     a string T).
//   - *X: as X, then its address (at most 32 pointers deep: a pointer
//     type that points to itself, type P *P, is a mismatch).
func Value[T any](values map[string]any, name string) (value T, ok bool, err error) {
	var zero T
	v, ok := values[name]
	if !ok {
		return zero, false, nil
	}
	value, err = convert[T](name, v)
	return value, true, err
}

func convert[T any](name string, v any) (T, error) {
	var zero T
	if t, ok := v.(T); ok {
		return t, nil
	}
	want := reflect.TypeFor[T]()
	dst := reflect.New(want).Elem()
	if err := assign(dst, v, 0); err != nil {
		e := &TypeMismatchError{Name: name, Stored: kindOfStored(v), Want: want}
		if !errors.Is(err, errMismatch) {
			e.Err = err
		}
		return zero, e
	}
	return *dst.Addr().Interface().(*T), nil // via a pointer: T may be a nil interface
}

// errMismatch is assign's plain "these kinds do not convert" (no reason to add).
var errMismatch = errors.New("mismatch")

// assign sets dst to v converted; depth counts the pointer types of T
// followed to reach dst.
func assign(dst reflect.Value, v any, depth int) error {
	t := dst.Type()
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
			return nil // the zero value
		}
		return errMismatch
	}
	if t.Kind() == reflect.Interface {
		if reflect.TypeOf(v).Implements(t) {
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		return errMismatch
	}
	if t.Kind() == reflect.Pointer {
		if depth >= maxPointerDepth {
			return fmt.Errorf("pointers nested deeper than %d (a pointer type that points to itself?)", maxPointerDepth)
		}
		p := reflect.New(t.Elem())
		if err := assign(p.Elem(), v, depth+1); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch x := v.(type) {
	case string:
		if t.Kind() == reflect.String {
			dst.SetString(x)
			return nil
		}
	case bool:
		if t.Kind() == reflect.Bool {
			dst.SetBool(x)
			return nil
		}
	case int64:
		return assignInt(dst, x)
	case decimal.Decimal:
		return assignDecimal(dst, x)
	case civil.Date:
		if t == typeDate {
			dst.Set(reflect.ValueOf(x))
			return nil
		}
	case time.Time:
		if t == typeTime {
			dst.Set(reflect.ValueOf(x))
			return nil
		}
	case json.RawMessage:
		if t == typeRawMessage {
			dst.SetBytes(append(json.RawMessage(nil), x...))
			return nil
		}
		switch t {
		case typeTime, typeDate, typeDecimal:
			return errMismatch // a JSON string is not a timestamp, date or decimal column
		}
		if err := json.Unmarshal(x, dst.Addr().Interface()); err != nil {
			return err
		}
		return nil
	}
	return errMismatch
}

func assignInt(dst reflect.Value, i int64) error {
	t := dst.Type()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if dst.OverflowInt(i) {
			return fmt.Errorf("%d is out of %v's range", i, t)
		}
		dst.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if i < 0 || dst.OverflowUint(uint64(i)) {
			return fmt.Errorf("%d is out of %v's range", i, t)
		}
		dst.SetUint(uint64(i))
		return nil
	case reflect.Float32, reflect.Float64:
		limit := int64(1) << 53
		if t.Kind() == reflect.Float32 {
			limit = 1 << 24
		}
		if i > limit || i < -limit {
			return fmt.Errorf("%d is not exactly representable as %v", i, t)
		}
		dst.SetFloat(float64(i))
		return nil
	}
	if t == typeDecimal {
		dst.Set(reflect.ValueOf(decimal.NewFromInt(i)))
		return nil
	}
	return errMismatch
}

// describeDecimal is d for an error message: its digits when there are few,
// else its size (a hand-built decimal may have millions of digits).
func describeDecimal(d decimal.Decimal) string {
	if d.NumDigits() <= 40 && d.Exponent() >= -40 && d.Exponent() <= 40 {
		return d.String()
	}
	return fmt.Sprintf("a decimal of %d digits times 10^%d", d.NumDigits(), d.Exponent())
}

func assignDecimal(dst reflect.Value, d decimal.Decimal) error {
	t := dst.Type()
	// Digits before the decimal point, from coefficient and exponent,
	// without arithmetic on a value that may be huge.
	intDigits := int64(d.NumDigits()) + int64(d.Exponent())
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		// A nonzero value below 1 in magnitude has a fraction; the check
		// needs no arithmetic (IsInteger would divide by 10^-exponent).
		if !d.IsZero() && (intDigits <= 0 || !d.IsInteger()) {
			return fmt.Errorf("%s has a fraction", describeDecimal(d))
		}
		// A decimal read from the column is below 1e10, but one in a map
		// built by hand may be of any size. 1e20 is beyond every integer
		// type; checking the exponent first refuses a huge one (1e1000000)
		// without writing out its digits.
		if !d.IsZero() && d.Exponent() >= 20 {
			return fmt.Errorf("%se%d is out of %v's range", d.Coefficient(), d.Exponent(), t)
		}
		i := d.BigInt()
		switch {
		case i.IsInt64():
			return assignInt(dst, i.Int64())
		case i.IsUint64() && t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr && !dst.OverflowUint(i.Uint64()):
			dst.SetUint(i.Uint64())
			return nil
		}
		return fmt.Errorf("%s is out of %v's range", describeDecimal(d), t)
	case reflect.Float32:
		// float32 tops out near 3.4e38 (39 digits).
		if intDigits > 39 {
			return fmt.Errorf("%s is out of %v's range", describeDecimal(d), t)
		}
		f := float32(d.InexactFloat64())
		if math.IsInf(float64(f), 0) || !decimal.NewFromFloat32(f).Equal(d) {
			return fmt.Errorf("%s is not exactly representable as %v", describeDecimal(d), t)
		}
		dst.SetFloat(float64(f))
		return nil
	case reflect.Float64:
		// float64 tops out near 1.8e308 (309 digits).
		if intDigits > 309 {
			return fmt.Errorf("%s is out of %v's range", describeDecimal(d), t)
		}
		f := d.InexactFloat64()
		if math.IsInf(f, 0) || !decimal.NewFromFloat(f).Equal(d) {
			return fmt.Errorf("%s is not exactly representable as %v", describeDecimal(d), t)
		}
		dst.SetFloat(f)
		return nil
	}
	if t == typeDecimal {
		dst.Set(reflect.ValueOf(d))
		return nil
	}
	return errMismatch
}
