package attributehub_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
)

// read is Attribute[T] with the result boxed, so cases of many T fit one table.
func read[T any](ctx context.Context, h *attributehub.Hub, name string) func() (any, error) {
	return func() (any, error) {
		v, ok, err := attributehub.Attribute[T](ctx, h, name)
		if err == nil && !ok {
			panic("attribute " + name + " missing")
		}
		return v, err
	}
}

func TestAttributeTyped(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "typed", "h")
	require.NoError(t, err)
	day := civil.Date{Year: 2026, Month: 5, Day: 17}
	at := time.Date(2026, 5, 17, 8, 30, 0, 0, time.UTC)
	require.NoError(t, h.SetAttributes(ctx, map[string]any{
		"text": "high", "int": 300, "neg": -1, "big": int64(1) << 60, "dec": 0.1, "whole": 3.0,
		"tenths": decimal.RequireFromString("0.1234567891"), "flag": true, "day": day, "at": at,
		"json": tagInfo{By: "me", Count: 2}, "nil": nil,
	}))

	cases := []struct {
		name     string
		read     func() (any, error)
		want     any
		mismatch bool
		reason   string
	}{
		{"string from text", read[string](ctx, h, "text"), "high", false, ""},
		{"named string from text", read[level](ctx, h, "text"), level("high"), false, ""},
		{"int from int", read[int](ctx, h, "int"), 300, false, ""},
		{"int16 from int", read[int16](ctx, h, "int"), int16(300), false, ""},
		{"int8 out of range", read[int8](ctx, h, "int"), nil, true, "out of int8's range"},
		{"uint from negative", read[uint](ctx, h, "neg"), nil, true, "out of uint's range"},
		{"float64 from int", read[float64](ctx, h, "int"), 300.0, false, ""},
		{"float32 from 2^60", read[float32](ctx, h, "big"), nil, true, "not exactly representable"},
		{"decimal from int", read[decimal.Decimal](ctx, h, "int"), decimal.NewFromInt(300), false, ""},
		{"float64 from decimal 0.1", read[float64](ctx, h, "dec"), 0.1, false, ""},
		{"float32 from decimal 0.1", read[float32](ctx, h, "dec"), float32(0.1), false, ""},
		{"float32 from 10 decimals", read[float32](ctx, h, "tenths"), nil, true, "not exactly representable"},
		{"float64 from 10 decimals", read[float64](ctx, h, "tenths"), 0.1234567891, false, ""},
		{"int from whole decimal", read[int](ctx, h, "whole"), 3, false, ""},
		{"int from fraction", read[int](ctx, h, "dec"), nil, true, "has a fraction"},
		{"bool", read[bool](ctx, h, "flag"), true, false, ""},
		{"date", read[civil.Date](ctx, h, "day"), day, false, ""},
		{"time", read[time.Time](ctx, h, "at"), at, false, ""},
		{"time from date", read[time.Time](ctx, h, "day"), nil, true, ""},
		{"struct from JSON", read[tagInfo](ctx, h, "json"), tagInfo{By: "me", Count: 2}, false, ""},
		{"pointer to struct from JSON", read[*tagInfo](ctx, h, "json"), &tagInfo{By: "me", Count: 2}, false, ""},
		{"map from JSON", read[map[string]any](ctx, h, "json"), map[string]any{"by": "me", "count": 2.0, "tags": nil}, false, ""},
		{"int from JSON object", read[int](ctx, h, "json"), nil, true, "json: cannot unmarshal"},
		{"raw JSON", read[json.RawMessage](ctx, h, "json"), json.RawMessage(`{"by": "me", "tags": null, "count": 2}`), false, ""},
		{"int from text", read[int](ctx, h, "text"), nil, true, ""},
		{"string from int", read[string](ctx, h, "int"), nil, true, ""},
		{"bool from text", read[bool](ctx, h, "text"), nil, true, ""},
		{"struct from text", read[tagInfo](ctx, h, "text"), nil, true, ""},
		{"string from nil", read[string](ctx, h, "nil"), nil, true, ""},
		{"pointer from nil", read[*int](ctx, h, "nil"), (*int)(nil), false, ""},
		{"map from nil", read[map[string]any](ctx, h, "nil"), map[string]any(nil), false, ""},
		{"any from int", read[any](ctx, h, "int"), int64(300), false, ""},
		{"any from nil", read[any](ctx, h, "nil"), nil, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.read()
			if !c.mismatch {
				require.NoError(t, err)
				assert.Equal(t, c.want, got)
				return
			}
			var tm *attributehub.TypeMismatchError
			require.ErrorAs(t, err, &tm)
			assert.ErrorIs(t, err, attributehub.ErrTypeMismatch)
			assert.NotEmpty(t, tm.Name)
			assert.Contains(t, err.Error(), tm.Want.String(), "the message names the wanted type")
			assert.Contains(t, err.Error(), tm.Stored.String(), "the message names the stored kind")
			assert.Contains(t, err.Error(), c.reason)
		})
	}
}

type level string

// value is Value[T] of a one-entry map with the result boxed, so cases of
// many T fit one table.
func value[T any](v any) func() (any, error) {
	return func() (any, error) {
		got, _, err := attributehub.Value[T](map[string]any{"x": v}, "x")
		return got, err
	}
}

// TestValueDecimalToInteger: a decimal (in a map built by hand, not read
// from the column) converts to an integer type only within its range.
func TestValueDecimalToNumber(t *testing.T) {
	t.Parallel()
	dec := decimal.RequireFromString
	cases := []struct {
		name string
		read func() (any, error)
		want any // nil: a mismatch, out of range
	}{
		{"int64 from 1e30", value[int64](decimal.New(1, 30)), nil},
		{"int64 from -1e30", value[int64](decimal.New(-1, 30)), nil},
		{"int8 from 1e30", value[int8](decimal.New(1, 30)), nil},
		{"int from 2^64", value[int](dec("18446744073709551616")), nil},
		{"int64 from a huge exponent", value[int64](decimal.New(1, math.MaxInt32)), nil},
		{"int64 from max int64 + 1", value[int64](dec("9223372036854775808")), nil},
		{"uint64 from 2^64", value[uint64](dec("18446744073709551616")), nil},
		{"uint64 from -1", value[uint64](dec("-1")), nil},
		{"int64 from max int64", value[int64](dec("9223372036854775807")), int64(math.MaxInt64)},
		{"int64 from min int64", value[int64](dec("-9223372036854775808")), int64(math.MinInt64)},
		{"uint64 from max uint64", value[uint64](dec("18446744073709551615")), uint64(math.MaxUint64)},
		{"int from 1.5e3", value[int](dec("1.5e3")), 1500},
		{"int from zero with a large exponent", value[int](decimal.New(0, 40)), 0},
		{"float32 from 1e39", value[float32](decimal.New(1, 39)), nil},
		{"float32 from 4e38", value[float32](decimal.New(4, 38)), nil},
		{"float64 from 1e309", value[float64](decimal.New(1, 309)), nil},
		{"float64 from 2e308", value[float64](decimal.New(2, 308)), nil},
		{"float64 from 1.5", value[float64](dec("1.5")), 1.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.read()
			if c.want != nil {
				require.NoError(t, err)
				assert.Equal(t, c.want, got)
				return
			}
			var tm *attributehub.TypeMismatchError
			require.ErrorAs(t, err, &tm)
			assert.Equal(t, attributehub.KindDecimal, tm.Stored)
			assert.Regexp(t, "out of "+tm.Want.String()+"'s range|not exactly representable", err.Error())
		})
	}
	// A tiny hand-built decimal has a fraction, found without dividing by
	// 10^20000000.
	_, err := value[int64](decimal.New(1, -20_000_000))()
	assert.ErrorContains(t, err, "a decimal of 1 digits times 10^-20000000 has a fraction")
}
