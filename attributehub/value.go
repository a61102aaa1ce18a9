package attributehub

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/canvas-sdk-go/customdata/civil"
)

// Limits, as Canvas enforces them. Values over a limit are refused before
// anything is written.
const (
	// MaxHubField is the most characters a hub's type or id may have
	// (varchar(100)).
	MaxHubField = 100
	// MaxNameLength is the most bytes (of UTF-8) an attribute name may
	// have. The primary key's btree index on (hub_id, name) holds entries of
	// at most about 2,700 bytes; a limit in bytes, well within it, means a
	// name within the limit is always stored, whatever its characters.
	MaxNameLength = 1_000
	// MaxValueLength is the most characters (Unicode code points, as Python's
	// len counts them) a text value or a JSON value's encoding may have.
	MaxValueLength = 1_048_576
	// MaxBulk is the most attributes one SetAttributes call may write.
	MaxBulk = 10_000
	// DecimalIntegerDigits and DecimalFractionDigits are the shape of the
	// decimal column, numeric(20,10).
	DecimalIntegerDigits  = 10
	DecimalFractionDigits = 10
)

// Kind is the kind of an attribute value: which typed column of
// custom_attribute holds it.
type Kind uint8

// The value kinds, one per typed column, plus KindNull (a stored nil: every
// value column NULL).
const (
	KindNull      Kind = iota // nil: all value columns NULL
	KindText                  // text_value: string
	KindInt                   // int_value: Go integers, read back as int64
	KindDecimal               // decimal_value: floats and decimal.Decimal, read back as decimal.Decimal
	KindBool                  // bool_value: bool
	KindDate                  // date_value: civil.Date
	KindTimestamp             // timestamp_value: time.Time, read back in UTC
	KindJSON                  // json_value: maps, slices, structs, json.RawMessage; read back as json.RawMessage
)

var kindNames = [...]string{"nil", "text", "int", "decimal", "bool", "date", "timestamp", "json"}

// String returns the kind's name: "nil", "text", "int", "decimal", "bool",
// "date", "timestamp" or "json".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Column returns the custom_attribute column that holds values of kind k,
// or "" for KindNull.
func (k Kind) Column() string {
	if k == KindNull || int(k) >= len(valueColumns)+1 {
		return ""
	}
	return valueColumns[k-1].name
}

// valueColumns lists custom_attribute's value columns in Kind order (index
// kind-1); the order fixes parameter positions in every statement.
var valueColumns = [...]struct{ name, sqlType string }{
	{"text_value", "text"},
	{"int_value", "bigint"},
	{"decimal_value", "numeric"},
	{"bool_value", "boolean"},
	{"date_value", "date"},
	{"timestamp_value", "timestamptz"},
	{"json_value", "jsonb"},
}

// KindOf reports the kind (and so the column) a Go value is stored as, or an
// error wrapping ErrInvalidValue if it cannot be stored without loss.
func KindOf(v any) (Kind, error) {
	e, err := encode(v)
	return e.kind, err
}

// encoded is a value ready for SQL: its kind and its text form, which the
// statement casts to the column's type (text travels exactly; no driver
// type inference is involved).
type encoded struct {
	kind Kind
	text string
	// fine, for a time with nanoseconds below a microsecond, is its exact
	// form; text is then the time truncated to microseconds, which is what
	// the column stores.
	fine string
	// i is the value of a KindInt within int64 and b that of a KindBool,
	// for statements that bind them as bigint or boolean.
	i int64
	b bool
}

var (
	typeRawMessage = reflect.TypeFor[json.RawMessage]()
	typeTime       = reflect.TypeFor[time.Time]()
	typeDate       = reflect.TypeFor[civil.Date]()
	typeDecimal    = reflect.TypeFor[decimal.Decimal]()
	typeAny        = reflect.TypeFor[any]()
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidValue}, args...)...)
}

// encode turns a Go value into its stored form. It is the one place that
// decides which column a value goes to.
func encode(v any) (encoded, error) { return encodeAs(v, false, 0) }

// encodeOperand encodes a query operand: the kind (column) is chosen as by
// encode, but limits that only protect stored values are lifted, since a
// comparison with any finite number or any text is well defined: decimals
// and floats of any size and precision, integers above math.MaxInt64 (whose
// text then needs a numeric cast, see Condition), text and JSON beyond
// MaxValueLength. NaN, infinities, invalid UTF-8, NUL and invalid dates or
// times are still refused.
func encodeOperand(v any) (encoded, error) { return encodeAs(v, true, 0) }

// maxPointerDepth is how many pointers encode and Attribute/Value follow to
// reach a value; more is refused (a pointer that points to itself, as in
// var x any; x = &x, would otherwise be followed forever).
const maxPointerDepth = 32

// encodeAs encodes v; depth counts the pointers followed to reach it.
func encodeAs(v any, operand bool, depth int) (encoded, error) {
	switch x := v.(type) {
	case nil:
		return encoded{kind: KindNull}, nil
	case string:
		return encodeText(x, operand)
	case bool:
		return encoded{kind: KindBool, text: strconv.FormatBool(x), b: x}, nil
	case int64:
		return encoded{kind: KindInt, text: strconv.FormatInt(x, 10), i: x}, nil
	case int:
		return encoded{kind: KindInt, text: strconv.Itoa(x), i: int64(x)}, nil
	case float64:
		return encodeFloat(x, 64, operand)
	case decimal.Decimal:
		return encodeDecimal(x, operand)
	case time.Time:
		return encodeTime(x)
	case civil.Date:
		return encodeDate(x)
	case json.RawMessage:
		if x == nil {
			return encoded{kind: KindNull}, nil // as a nil slice or map
		}
		return encodeRawJSON(x, operand)
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	switch {
	case t.Kind() == reflect.Pointer:
		if rv.IsNil() {
			return encoded{kind: KindNull}, nil
		}
		if marshalsAsJSON(t.Elem()) {
			// Marshal the pointer itself: a MarshalJSON or MarshalText
			// with a pointer receiver is then used.
			return encodeJSON(v, operand)
		}
		if depth >= maxPointerDepth {
			return encoded{}, invalid("%T: pointers nested deeper than %d (a pointer that points to itself?)", v, maxPointerDepth)
		}
		return encodeAs(rv.Elem().Interface(), operand, depth+1)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !t.Implements(reflect.TypeFor[json.Marshaler]()):
		return encoded{}, invalid("%T is ambiguous: store a string, or JSON as json.RawMessage", v)
	}
	switch t.Kind() {
	case reflect.String:
		return encodeText(rv.String(), operand)
	case reflect.Bool:
		return encoded{kind: KindBool, text: strconv.FormatBool(rv.Bool()), b: rv.Bool()}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return encoded{kind: KindInt, text: strconv.FormatInt(rv.Int(), 10), i: rv.Int()}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 && !operand {
			return encoded{}, invalid("integer %d is beyond the int_value column (bigint, at most %d)", u, int64(math.MaxInt64))
		}
		// Beyond math.MaxInt64 (an operand only), i is not used: the
		// operand's text is compared as numeric.
		return encoded{kind: KindInt, text: strconv.FormatUint(u, 10), i: int64(u)}, nil
	case reflect.Float32:
		return encodeFloat(rv.Float(), 32, operand)
	case reflect.Float64:
		return encodeFloat(rv.Float(), 64, operand)
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
		return encodeJSON(v, operand)
	}
	return encoded{}, invalid("unsupported Go type %T (use string, an integer, float, decimal.Decimal, bool, civil.Date, time.Time, or a JSON-encodable map, slice or struct)", v)
}

var (
	typeJSONMarshaler = reflect.TypeFor[json.Marshaler]()
	typeTextMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// marshalsAsJSON reports whether a value of type t (the pointee of a
// pointer) goes to json_value through json.Marshal, rather than to a column
// of its own.
func marshalsAsJSON(t reflect.Type) bool {
	switch t {
	case typeRawMessage, typeTime, typeDate, typeDecimal:
		return false
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Array:
		return true
	case reflect.Slice:
		// []byte is refused as ambiguous unless it marshals itself.
		return t.Elem().Kind() != reflect.Uint8 || reflect.PointerTo(t).Implements(typeJSONMarshaler)
	}
	return false
}

// encodeJSON stores v (a map, slice, array or struct, or a pointer to one)
// as JSON. A nil map or slice encodes as JSON null and so is stored as nil.
func encodeJSON(v any, operand bool) (encoded, error) {
	if err := checkJSONVisible(reflect.TypeOf(v)); err != nil {
		return encoded{}, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return encoded{}, invalid("%T cannot be encoded as JSON: %w", v, err)
	}
	return encodeRawJSON(b, operand)
}

// checkJSONVisible refuses a struct that encoding/json would write as {}
// whatever it holds: no MarshalJSON or MarshalText in t's method set and no
// field that encoding/json writes.
func checkJSONVisible(t reflect.Type) error {
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct || t.Implements(typeJSONMarshaler) || t.Implements(typeTextMarshaler) {
		return nil
	}
	if hasJSONFields(st, map[reflect.Type]bool{st: true}) {
		return nil
	}
	hint := "export a field, or give the type a MarshalJSON method"
	if pt := reflect.PointerTo(st); t == st && (pt.Implements(typeJSONMarshaler) || pt.Implements(typeTextMarshaler)) {
		hint = "its MarshalJSON/MarshalText has a pointer receiver, which encoding/json does not call on a value: pass a pointer (&v)"
	}
	return invalid("%v has no fields that encoding/json writes (none exported, or all tagged json:\"-\") and no MarshalJSON or MarshalText method; it would be stored as {}: %s", t, hint)
}

// hasJSONFields reports whether encoding/json writes any field of struct
// type st, following its rules for embedded structs.
func hasJSONFields(st reflect.Type, seen map[reflect.Type]bool) bool {
	for i := range st.NumField() {
		f := st.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		if !f.Anonymous {
			if f.IsExported() {
				return true
			}
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if !f.IsExported() && ft.Kind() != reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name != "" || ft.Kind() != reflect.Struct {
			return true // a field of its own
		}
		// An untagged embedded struct: its fields are promoted.
		if !seen[ft] {
			seen[ft] = true
			if hasJSONFields(ft, seen) {
				return true
			}
		}
	}
	return false
}

func encodeText(s string, operand bool) (encoded, error) {
	if !utf8.ValidString(s) {
		return encoded{}, invalid("text is not valid UTF-8")
	}
	if len(s) > MaxValueLength && !operand {
		if n := utf8.RuneCountInString(s); n > MaxValueLength {
			return encoded{}, invalid("text of %d characters is longer than the limit of %d", n, MaxValueLength)
		}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return encoded{}, invalid("text holds a NUL byte, which PostgreSQL text cannot store")
	}
	return encoded{kind: KindText, text: s}, nil
}

func encodeFloat(f float64, bits int, operand bool) (encoded, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return encoded{}, invalid("float %v cannot be stored: the decimal column (numeric(20,10)) holds finite numbers only", f)
	}
	var d decimal.Decimal
	if bits == 32 {
		d = decimal.NewFromFloat32(float32(f))
	} else {
		d = decimal.NewFromFloat(f)
	}
	return encodeDecimal(d, operand)
}

var decimalLimit = decimal.New(1, DecimalIntegerDigits)

// maxOperandDigits bounds the digits before and after the decimal point of
// a query operand: far beyond what the column holds, and small enough that
// writing the operand out costs nothing.
const maxOperandDigits = 1000

func encodeDecimal(d decimal.Decimal, operand bool) (encoded, error) {
	if d.Sign() == 0 {
		return encoded{kind: KindDecimal, text: "0"}, nil
	}
	// Measure the value from its coefficient and exponent before any
	// arithmetic or String, which would spell out every digit of a value
	// such as decimal.New(1, 1e9).
	intDigits := int64(d.NumDigits()) + int64(d.Exponent()) // digits before the point (<= 0: none)
	if operand {
		if intDigits > maxOperandDigits || -int64(d.Exponent()) > maxOperandDigits {
			return encoded{}, invalid("decimal operand with coefficient %s and exponent %d has more than %d digits before or after the decimal point",
				shorten(d.Coefficient().String()), d.Exponent(), maxOperandDigits)
		}
		return encoded{kind: KindDecimal, text: d.String()}, nil
	}
	if intDigits > DecimalIntegerDigits {
		return encoded{}, invalid("decimal with coefficient %s and exponent %d has more than %d digits before the decimal point; the decimal column (numeric(20,10)) cannot hold it",
			shorten(d.Coefficient().String()), d.Exponent(), DecimalIntegerDigits)
	}
	// A nonzero coefficient of n digits has fewer than n trailing zeros, so
	// more fraction places than n+10 cannot all round away.
	if -int64(d.Exponent()) > int64(d.NumDigits())+DecimalFractionDigits {
		return encoded{}, invalid("decimal with coefficient %s and exponent %d has more than %d digits after the decimal point; the decimal column (numeric(20,10)) would round it: round it first (decimal.Round(%d))",
			shorten(d.Coefficient().String()), d.Exponent(), DecimalFractionDigits, DecimalFractionDigits)
	}
	if d.Exponent() < -DecimalFractionDigits && !d.Round(DecimalFractionDigits).Equal(d) {
		return encoded{}, invalid("%s has more than %d digits after the decimal point; the decimal column (numeric(20,10)) would round it: round it first (decimal.Round(%d))",
			shorten(d.String()), DecimalFractionDigits, DecimalFractionDigits)
	}
	if d.Abs().Cmp(decimalLimit) >= 0 {
		return encoded{}, invalid("%s has more than %d digits before the decimal point; the decimal column (numeric(20,10)) cannot hold it", shorten(d.String()), DecimalIntegerDigits)
	}
	return encoded{kind: KindDecimal, text: d.String()}, nil
}

func encodeTime(t time.Time) (encoded, error) {
	u := t.UTC()
	if y := u.Year(); y < 1 || y > 9999 {
		return encoded{}, invalid("time %v is outside the years 1 to 9999", t)
	}
	e := encoded{kind: KindTimestamp, text: u.Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z07:00")}
	if u.Nanosecond()%1000 != 0 {
		e.fine = u.Format(time.RFC3339Nano)
	}
	return e, nil
}

func encodeDate(d civil.Date) (encoded, error) {
	if !d.IsValid() {
		return encoded{}, invalid("%s is not a valid date", d)
	}
	if d.Year < 1 || d.Year > 9999 {
		return encoded{}, invalid("date %s is outside the years 1 to 9999", d)
	}
	return encoded{kind: KindDate, text: d.String()}, nil
}

func encodeRawJSON(b []byte, operand bool) (encoded, error) {
	if !json.Valid(b) {
		return encoded{}, invalid("json.RawMessage is not valid JSON")
	}
	if string(bytes.TrimSpace(b)) == "null" {
		return encoded{kind: KindNull}, nil
	}
	if len(b) > MaxValueLength && !operand {
		if n := utf8.RuneCount(b); n > MaxValueLength {
			return encoded{}, invalid("JSON of %d characters is longer than the limit of %d", n, MaxValueLength)
		}
	}
	if jsonHasNUL(b) {
		return encoded{}, invalid("JSON holds a NUL character (\\u0000), which PostgreSQL's jsonb cannot store")
	}
	return encoded{kind: KindJSON, text: string(b)}, nil
}

// jsonHasNUL reports whether valid JSON b holds the escape \u0000 (a raw
// NUL byte is not valid JSON). A \\ escape before "u0000" is a backslash,
// not a NUL.
func jsonHasNUL(b []byte) bool {
	if !bytes.Contains(b, []byte(`\u0000`)) {
		return false
	}
	for i := 0; i < len(b)-1; i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			return true
		}
		i++ // skip the escaped character
	}
	return false
}

// kindOfStored returns the kind of a value as this package reads it back.
func kindOfStored(v any) Kind {
	switch v.(type) {
	case nil:
		return KindNull
	case string:
		return KindText
	case int64:
		return KindInt
	case decimal.Decimal:
		return KindDecimal
	case bool:
		return KindBool
	case civil.Date:
		return KindDate
	case time.Time:
		return KindTimestamp
	case json.RawMessage:
		return KindJSON
	}
	k, _ := KindOf(v)
	return k
}
