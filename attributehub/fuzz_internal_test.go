package attributehub

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/canvas-sdk-go/customdata/civil"
)

// stored emulates what PostgreSQL gives back for an encoded value: the
// column of its kind, read as selectValues reads it. Text, integers and
// booleans come back as written; a decimal as numeric(20,10) prints it
// (padded to 10 places); a date as to_char prints it; a timestamp at
// microsecond precision; JSON as written (its meaning is compared).
func stored(t *testing.T, e encoded) storedRow {
	t.Helper()
	var r storedRow
	switch e.kind {
	case KindText:
		r.text.String, r.text.Valid = e.text, true
	case KindInt:
		i, err := strconv.ParseInt(e.text, 10, 64)
		if err != nil {
			t.Fatalf("int_value text %q does not parse: %v", e.text, err)
		}
		r.i.Int64, r.i.Valid = i, true
	case KindDecimal:
		d, err := decimal.NewFromString(e.text)
		if err != nil {
			t.Fatalf("decimal_value text %q does not parse: %v", e.text, err)
		}
		if !d.Equal(d.Round(DecimalFractionDigits)) || d.Abs().Cmp(decimalLimit) >= 0 {
			t.Fatalf("decimal %s was accepted but numeric(20,10) would round or refuse it", e.text)
		}
		r.dec.String, r.dec.Valid = d.StringFixed(DecimalFractionDigits), true
	case KindBool:
		b, err := strconv.ParseBool(e.text)
		if err != nil {
			t.Fatalf("bool_value text %q: %v", e.text, err)
		}
		r.b.Bool, r.b.Valid = b, true
	case KindDate:
		r.date.String, r.date.Valid = e.text, true
	case KindTimestamp:
		ts, err := time.Parse(time.RFC3339Nano, e.text)
		if err != nil {
			t.Fatalf("timestamp_value text %q: %v", e.text, err)
		}
		if ts.Nanosecond()%1000 != 0 {
			t.Fatalf("timestamp_value text %q is finer than a microsecond", e.text)
		}
		r.ts.Time, r.ts.Valid = ts, true
	case KindJSON:
		if !json.Valid([]byte(e.text)) {
			t.Fatalf("json_value text is not JSON: %q", e.text)
		}
		r.json.String, r.json.Valid = e.text, true
	}
	return r
}

func jsonMeaning(t *testing.T, s string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("JSON %q: %v", s, err)
	}
	return v
}

// FuzzValueRoundTrip checks the attribute value codec: encode never
// panics; it refuses a value only with ErrInvalidValue; what it accepts
// goes to the column KindOf names, fits that column without rounding, and
// reads back (through the same conversion as a stored row) as the value
// that went in: the same text, integer, decimal (a float as the decimal
// that prints it), bool, date, time at microsecond precision, or JSON of
// the same meaning. Query operands (encodeOperand) never panic either.
func FuzzValueRoundTrip(f *testing.F) {
	f.Add(uint8(0), "héllo", int64(0), 0.0)
	f.Add(uint8(0), "\x00", int64(0), 0.0)
	f.Add(uint8(0), "\xff", int64(0), 0.0)
	f.Add(uint8(1), "", int64(math.MinInt64), 0.0)
	f.Add(uint8(2), "", int64(0), 1.123456789012345)
	f.Add(uint8(2), "", int64(0), 9999999999.9999999999)
	f.Add(uint8(2), "", int64(0), math.Inf(1))
	f.Add(uint8(3), "1.123456789012345", int64(0), 0.0)
	f.Add(uint8(3), "9999999999.9999999999", int64(0), 0.0)
	f.Add(uint8(3), "-0.00000000005", int64(0), 0.0)
	f.Add(uint8(3), "1e1000000000", int64(0), 0.0)
	f.Add(uint8(3), "1.10000000000000000000000", int64(0), 0.0)
	f.Add(uint8(4), "", int64(1), 0.0)
	f.Add(uint8(5), "", int64(99991231), 0.0)
	f.Add(uint8(5), "", int64(20260230), 0.0)
	f.Add(uint8(6), "", int64(1764590400123456789), 0.0)
	f.Add(uint8(6), "", int64(math.MaxInt64), 0.0)
	f.Add(uint8(7), `{"a": [1, 2.50, "x"], "a": null}`, int64(0), 0.0)
	f.Add(uint8(7), `"\u0000"`, int64(0), 0.0)
	f.Add(uint8(7), `"\\u0000"`, int64(0), 0.0)
	f.Add(uint8(7), ` null `, int64(0), 0.0)
	f.Add(uint8(8), "k", int64(3), 2.5)
	f.Fuzz(func(t *testing.T, kind uint8, s string, i int64, fl float64) {
		var v any
		switch kind % 9 {
		case 0:
			v = s
		case 1:
			v = i
		case 2:
			v = fl
		case 3:
			d, err := decimal.NewFromString(s)
			if err != nil {
				return
			}
			v = d
		case 4:
			v = i%2 == 0
		case 5:
			v = civil.Date{Year: int(i / 10000 % 100000), Month: time.Month(i / 100 % 100), Day: int(i % 100)}
		case 6:
			v = time.Unix(0, i)
		case 7:
			v = json.RawMessage(s)
		case 8:
			v = map[string]any{s: []any{i, fl}}
		}
		_, _ = encodeOperand(v)
		e, err := encode(v)
		if err != nil {
			if !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("encode(%#v) refused it with %v, which is not ErrInvalidValue", v, err)
			}
			return
		}
		if k, _ := KindOf(v); k != e.kind {
			t.Fatalf("KindOf(%#v) = %v, but encode chose %v", v, k, e.kind)
		}
		r := stored(t, e)
		got, err := r.value()
		if err != nil {
			t.Fatalf("the stored form of %#v does not read back: %v", v, err)
		}
		switch x := v.(type) {
		case float64:
			d, ok := got.(decimal.Decimal)
			if !ok || d.InexactFloat64() != x {
				t.Fatalf("float %v came back as %#v", x, got)
			}
		case decimal.Decimal:
			d, ok := got.(decimal.Decimal)
			if !ok || !d.Equal(x) {
				t.Fatalf("decimal %s came back as %#v", x, got)
			}
		case time.Time:
			ts, ok := got.(time.Time)
			if !ok || !ts.Equal(x.Truncate(time.Microsecond)) {
				t.Fatalf("time %v came back as %#v", x, got)
			}
		case json.RawMessage:
			if e.kind == KindNull {
				if got != nil {
					t.Fatalf("JSON null came back as %#v", got)
				}
				return
			}
			raw, ok := got.(json.RawMessage)
			if !ok || !reflect.DeepEqual(jsonMeaning(t, string(raw)), jsonMeaning(t, string(x))) {
				t.Fatalf("JSON %s came back as %#v", x, got)
			}
		case map[string]any:
			raw, ok := got.(json.RawMessage)
			want, _ := json.Marshal(x)
			if !ok || !reflect.DeepEqual(jsonMeaning(t, string(raw)), jsonMeaning(t, string(want))) {
				t.Fatalf("map %v came back as %#v", x, got)
			}
		default:
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("%#v came back as %#v", v, got)
			}
		}
	})
}
