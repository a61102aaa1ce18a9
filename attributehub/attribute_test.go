package attributehub_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
)

type priority int

type tagInfo struct {
	By    string   `json:"by"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

// ptrMarshaler marshals itself through a pointer receiver.
type ptrMarshaler struct{ n int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int{"custom": p.n})
}

// textID has no exported fields but marshals itself as text.
type textID struct{ n int }

func (id textID) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "id-%d", id.n), nil }

// embedsUnexported has no fields of its own; encoding/json promotes the
// exported fields of its unexported embedded struct.
type embedsUnexported struct{ inner }

type inner struct{ Visible int }

type roundTripCase struct {
	name string
	in   any
	want any
	kind attributehub.Kind
}

func roundTripCases() []roundTripCase {
	s := "pointed"
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", -5*3600))
	return []roundTripCase{
		{"string", "hello", "hello", attributehub.KindText},
		{"empty string", "", "", attributehub.KindText},
		{"unicode string", "héllo ✓ 日本", "héllo ✓ 日本", attributehub.KindText},
		{"pointer to string", &s, "pointed", attributehub.KindText},
		{"int", 5, int64(5), attributehub.KindInt},
		{"int8", int8(-8), int64(-8), attributehub.KindInt},
		{"int16", int16(math.MinInt16), int64(math.MinInt16), attributehub.KindInt},
		{"int32", int32(math.MaxInt32), int64(math.MaxInt32), attributehub.KindInt},
		{"int64 max", int64(math.MaxInt64), int64(math.MaxInt64), attributehub.KindInt},
		{"int64 min", int64(math.MinInt64), int64(math.MinInt64), attributehub.KindInt},
		{"uint", uint(7), int64(7), attributehub.KindInt},
		{"uint8", uint8(255), int64(255), attributehub.KindInt},
		{"uint16", uint16(65535), int64(65535), attributehub.KindInt},
		{"uint32", uint32(math.MaxUint32), int64(math.MaxUint32), attributehub.KindInt},
		{"uint64 at bigint max", uint64(math.MaxInt64), int64(math.MaxInt64), attributehub.KindInt},
		{"named int", priority(3), int64(3), attributehub.KindInt},
		{"float64", 1.5, decimal.RequireFromString("1.5"), attributehub.KindDecimal},
		{"float64 0.1", 0.1, decimal.RequireFromString("0.1"), attributehub.KindDecimal},
		{"float64 negative, 10+10 digits", -9999999999.125, decimal.RequireFromString("-9999999999.125"), attributehub.KindDecimal},
		{"float32", float32(0.25), decimal.RequireFromString("0.25"), attributehub.KindDecimal},
		{"decimal full width", decimal.RequireFromString("1234567890.0123456789"), decimal.RequireFromString("1234567890.0123456789"), attributehub.KindDecimal},
		{"decimal trailing zeros beyond scale", decimal.RequireFromString("2.500000000000"), decimal.RequireFromString("2.5"), attributehub.KindDecimal},
		{"bool true", true, true, attributehub.KindBool},
		{"bool false", false, false, attributehub.KindBool},
		{"date", civil.Date{Year: 2026, Month: 11, Day: 25}, civil.Date{Year: 2026, Month: 11, Day: 25}, attributehub.KindDate},
		{"time (microseconds, UTC)", at, at.Truncate(time.Microsecond).UTC(), attributehub.KindTimestamp},
		{"map", map[string]any{"a": 1, "b": []any{1, "x"}}, json.RawMessage(`{"a":1,"b":[1,"x"]}`), attributehub.KindJSON},
		{"slice", []string{"x", "y"}, json.RawMessage(`["x","y"]`), attributehub.KindJSON},
		{"struct", tagInfo{By: "me", Count: 2, Tags: []string{"t"}}, json.RawMessage(`{"by":"me","count":2,"tags":["t"]}`), attributehub.KindJSON},
		{"raw JSON", json.RawMessage(`{"z": true}`), json.RawMessage(`{"z":true}`), attributehub.KindJSON},
		{"JSON scalar", json.RawMessage(`"just a string"`), json.RawMessage(`"just a string"`), attributehub.KindJSON},
		{"pointer whose pointer type has MarshalJSON", &ptrMarshaler{3}, json.RawMessage(`{"custom":3}`), attributehub.KindJSON},
		{"struct with MarshalText", textID{4}, json.RawMessage(`"id-4"`), attributehub.KindJSON},
		{"struct with promoted fields only", embedsUnexported{inner{5}}, json.RawMessage(`{"Visible":5}`), attributehub.KindJSON},
		{"JSON with an escaped backslash before u0000", json.RawMessage(`["\\u0000"]`), json.RawMessage(`["\\u0000"]`), attributehub.KindJSON},
		{"empty map", map[string]any{}, json.RawMessage(`{}`), attributehub.KindJSON},
		{"empty slice", []int{}, json.RawMessage(`[]`), attributehub.KindJSON},
		{"nil slice", []int(nil), nil, attributehub.KindNull},
		{"nil map", map[string]any(nil), nil, attributehub.KindNull},
		{"nil json.RawMessage", json.RawMessage(nil), nil, attributehub.KindNull},
		{"nil", nil, nil, attributehub.KindNull},
		{"nil pointer", (*string)(nil), nil, attributehub.KindNull},
		{"JSON null", json.RawMessage(`null`), nil, attributehub.KindNull},
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	cases := roundTripCases()

	t.Run("SetAttribute", func(t *testing.T) {
		h, err := attributehub.Create(ctx, db, "rt", "single")
		require.NoError(t, err)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				kind, err := attributehub.KindOf(c.in)
				require.NoError(t, err)
				assert.Equal(t, c.kind, kind)
				require.NoError(t, h.SetAttribute(ctx, c.name, c.in))
				got, ok, err := h.GetAttribute(ctx, c.name)
				require.NoError(t, err)
				assert.True(t, ok)
				assertSameValue(t, c.want, got)
			})
		}
	})

	t.Run("SetAttributes", func(t *testing.T) {
		h, err := attributehub.Create(ctx, db, "rt", "bulk")
		require.NoError(t, err)
		in := map[string]any{}
		for _, c := range cases {
			in[c.name] = c.in
		}
		require.NoError(t, h.SetAttributes(ctx, in))
		all, err := h.Attributes(ctx)
		require.NoError(t, err)
		assert.Len(t, all, len(cases))
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, ok := all[c.name]
				assert.True(t, ok)
				assertSameValue(t, c.want, got)
			})
		}
	})
}

// TestRowsLikeCanvas checks the stored rows with raw SQL: one typed column
// per kind, every other value column NULL, as Canvas's Python SDK writes them.
func TestRowsLikeCanvas(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "compat", "h1")
	require.NoError(t, err)

	columns := func(t *testing.T, name string) map[string]*string {
		t.Helper()
		var r struct {
			Text, Date, Ts, Int, Dec, Bool, JSON *string
		}
		require.NoError(t, admin.Raw(`SELECT text_value AS text, date_value::text AS date, timestamp_value::text AS ts,
			int_value::text AS int, decimal_value::text AS dec, bool_value::text AS bool, json_value::text AS json
			FROM acme__hub_test.custom_attribute WHERE hub_id = ? AND name = ?`, h.DBID, name).Scan(&r).Error)
		return map[string]*string{"text_value": r.Text, "date_value": r.Date, "timestamp_value": r.Ts,
			"int_value": r.Int, "decimal_value": r.Dec, "bool_value": r.Bool, "json_value": r.JSON}
	}
	cases := []struct {
		value  any
		column string
		stored string
	}{
		{5, "int_value", "5"},
		{"five", "text_value", "five"},
		{2.5, "decimal_value", "2.5000000000"},
		{true, "bool_value", "true"},
		{civil.Date{Year: 2026, Month: 1, Day: 2}, "date_value", "2026-01-02"},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "timestamp_value", "2026-01-02 03:04:05+00"},
		{map[string]any{"k": []int{1}}, "json_value", `{"k": [1]}`},
	}
	for _, bulk := range []bool{false, true} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/bulk=%v", c.column, bulk), func(t *testing.T) {
				// Overwrite a value of another kind first: its column must be cleared.
				require.NoError(t, h.SetAttribute(ctx, "v", "previous"))
				require.NoError(t, h.SetAttribute(ctx, "v", int64(1)))
				if bulk {
					require.NoError(t, h.SetAttributes(ctx, map[string]any{"v": c.value}))
				} else {
					require.NoError(t, h.SetAttribute(ctx, "v", c.value))
				}
				for col, got := range columns(t, "v") {
					if col == c.column {
						if assert.NotNil(t, got, col) {
							assert.Equal(t, c.stored, *got, col)
						}
					} else {
						assert.Nil(t, got, "%s should be NULL", col)
					}
				}
			})
		}
	}
	t.Run("nil is all NULL", func(t *testing.T) {
		require.NoError(t, h.SetAttribute(ctx, "v", "x"))
		require.NoError(t, h.SetAttribute(ctx, "v", nil))
		for col, got := range columns(t, "v") {
			assert.Nil(t, got, col)
		}
	})
}

func TestNilVersusMissing(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "nil", "h")
	require.NoError(t, err)
	require.NoError(t, h.SetAttribute(ctx, "stored_nil", nil))

	v, ok, err := h.GetAttribute(ctx, "stored_nil")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Nil(t, v)

	v, ok, err = h.GetAttribute(ctx, "missing")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Nil(t, v)

	all, err := h.Attributes(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"stored_nil": nil}, all)

	p, ok, err := attributehub.Attribute[*string](ctx, h, "stored_nil")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Nil(t, p)

	_, ok, err = attributehub.Attribute[string](ctx, h, "missing")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestInvalidValuesWriteNothing(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "bad", "h")
	require.NoError(t, err)

	cases := []struct {
		name  string
		value any
		msg   string
	}{
		{"NaN", math.NaN(), "NaN"},
		{"+Inf", math.Inf(1), "+Inf"},
		{"-Inf float32", float32(math.Inf(-1)), "-Inf"},
		{"float beyond 10 integer digits", 1e10, "before the decimal point"},
		{"float with 11 fraction digits", 0.12345678901, "after the decimal point"},
		{"float 1/3", 1.0 / 3, "after the decimal point"},
		{"decimal beyond 10 integer digits", decimal.RequireFromString("-12345678901"), "before the decimal point"},
		{"decimal with 11 fraction digits", decimal.RequireFromString("0.00000000001"), "after the decimal point"},
		// Refused from coefficient and exponent, without spelling out a
		// billion digits.
		{"decimal 1e1000000000", decimal.New(1, 1_000_000_000), "before the decimal point"},
		{"decimal 1e-1000000000", decimal.New(1, -1_000_000_000), "after the decimal point"},
		{"uint64 beyond bigint", uint64(math.MaxUint64), "beyond the int_value column"},
		{"text over the limit", strings.Repeat("a", attributehub.MaxValueLength+1), "longer than the limit"},
		{"JSON over the limit", []string{strings.Repeat("a", attributehub.MaxValueLength)}, "longer than the limit"},
		{"invalid UTF-8", "\xff\xfe", "UTF-8"},
		{"NUL byte", "a\x00b", "NUL"},
		{"bytes", []byte("abc"), "ambiguous"},
		{"invalid raw JSON", json.RawMessage(`{"a":`), "not valid JSON"},
		{"invalid date", civil.Date{Year: 2026, Month: 2, Day: 30}, "not a valid date"},
		{"time before year 1", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "years 1 to 9999"},
		{"channel", make(chan int), "unsupported Go type"},
		{"complex", complex(1, 2), "unsupported Go type"},
		{"func in a struct", struct{ F func() }{}, "JSON"},
		{"empty struct", struct{}{}, "no fields that encoding/json writes"},
		{"struct with unexported fields only", struct{ x int }{1}, "no fields that encoding/json writes"},
		{"struct with json:\"-\" fields only", struct {
			X int `json:"-"`
		}{1}, "no fields that encoding/json writes"},
		{"value whose MarshalJSON needs a pointer", ptrMarshaler{1}, "pass a pointer"},
		{"JSON holding NUL", map[string]string{"a": "x\x00y"}, "NUL"},
		{"JSON key holding NUL", map[string]int{"\x00": 1}, "NUL"},
		{"raw JSON holding NUL", json.RawMessage(`["\u0000"]`), "NUL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := h.SetAttribute(ctx, "x", c.value)
			require.ErrorIs(t, err, attributehub.ErrInvalidValue)
			assert.Contains(t, err.Error(), c.msg)
			assert.Contains(t, err.Error(), `"x"`, "the error names the attribute")

			err = h.SetAttributes(ctx, map[string]any{"good": 1, "x": c.value})
			require.ErrorIs(t, err, attributehub.ErrInvalidValue)
		})
	}
	var n int64
	require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.custom_attribute`).Scan(&n).Error)
	assert.Zero(t, n, "nothing was written")

	t.Run("the limit counts characters, not bytes", func(t *testing.T) {
		kind, err := attributehub.KindOf(strings.Repeat("é", attributehub.MaxValueLength)) // 2 MiB of UTF-8
		require.NoError(t, err)
		assert.Equal(t, attributehub.KindText, kind)
		raw := json.RawMessage(`"` + strings.Repeat("é", attributehub.MaxValueLength-2) + `"`)
		require.NoError(t, h.SetAttribute(ctx, "long", raw))
		got, _, err := attributehub.Attribute[string](ctx, h, "long")
		require.NoError(t, err)
		assert.Equal(t, attributehub.MaxValueLength-2, len([]rune(got)))
	})
	t.Run("text up to the limit is stored", func(t *testing.T) {
		b := make([]byte, attributehub.MaxValueLength/2)
		_, _ = rand.Read(b)
		long := hex.EncodeToString(b) // incompressible, far past a btree entry's size
		require.NoError(t, h.SetAttribute(ctx, "wide", long))
		got, ok, err := attributehub.Attribute[string](ctx, h, "wide")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, long, got)
		require.Error(t, h.SetAttribute(ctx, "wider", long+"x"), "one character over the limit")
	})
}

// TestCanvasStyleTextIndex: a namespace made elsewhere may index text_value
// with a btree, which refuses long text; the error says so and nothing is
// written.
func TestCanvasStyleTextIndex(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	require.NoError(t, admin.Exec(`CREATE INDEX canvas_style_text_idx ON acme__hub_test.custom_attribute (text_value)`).Error)
	h, err := attributehub.Create(ctx, db, "canvas", "made")
	require.NoError(t, err)
	b := make([]byte, 2000)
	_, _ = rand.Read(b)
	err = h.SetAttribute(ctx, "btree", hex.EncodeToString(b))
	require.ErrorIs(t, err, attributehub.ErrInvalidValue)
	var pg *pgconn.PgError
	require.ErrorAs(t, err, &pg)
	assert.Equal(t, "54000", pg.Code)
	assert.Contains(t, err.Error(), `index "canvas_style_text_idx"`, "the error names the index PostgreSQL names")
	_, ok, err := h.GetAttribute(ctx, "btree")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestInvalidNames(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "names", "h")
	require.NoError(t, err)
	for _, name := range []string{"", "a\x00b", "\xff"} {
		assert.ErrorIs(t, h.SetAttribute(ctx, name, 1), attributehub.ErrInvalidName)
		assert.ErrorIs(t, h.SetAttributes(ctx, map[string]any{"ok": 1, name: 1}), attributehub.ErrInvalidName)
		_, _, err := h.GetAttribute(ctx, name)
		assert.ErrorIs(t, err, attributehub.ErrInvalidName)
	}
	all, err := h.Attributes(ctx)
	require.NoError(t, err)
	assert.Empty(t, all)
}

func TestDeleteAttribute(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "del", "h")
	require.NoError(t, err)
	require.NoError(t, h.SetAttribute(ctx, "a", 1))

	existed, err := h.DeleteAttribute(ctx, "a")
	require.NoError(t, err)
	assert.True(t, existed)
	existed, err = h.DeleteAttribute(ctx, "a")
	require.NoError(t, err)
	assert.False(t, existed)
	_, ok, err := h.GetAttribute(ctx, "a")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestConcurrentSetAttribute(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "race", "h")
	require.NoError(t, err)

	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = h.SetAttribute(ctx, "counter", i)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "goroutine %d", i)
	}
	var rows int64
	require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.custom_attribute WHERE name = 'counter'`).Scan(&rows).Error)
	assert.EqualValues(t, 1, rows)
	v, ok, err := attributehub.Attribute[int](ctx, h, "counter")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, v >= 0 && v < n, "the value %d is one of those written", v)
}

func TestStatementsPerCall(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, _, err := attributehub.GetOrCreate(ctx, db, "count", "h")
	require.NoError(t, err)
	count := countStatements(t, db)

	many := map[string]any{}
	for i := range 1000 {
		switch i % 4 {
		case 0:
			many[fmt.Sprintf("a%04d", i)] = i
		case 1:
			many[fmt.Sprintf("a%04d", i)] = fmt.Sprint("v", i)
		case 2:
			many[fmt.Sprintf("a%04d", i)] = float64(i) / 4
		default:
			many[fmt.Sprintf("a%04d", i)] = map[string]int{"i": i}
		}
	}
	steps := []struct {
		name string
		call func() error
	}{
		{"SetAttributes(1000)", func() error { return h.SetAttributes(ctx, many) }},
		{"SetAttribute", func() error { return h.SetAttribute(ctx, "one", 1) }},
		{"GetAttribute", func() error { _, _, err := h.GetAttribute(ctx, "one"); return err }},
		{"Attributes", func() error {
			m, err := h.Attributes(ctx)
			if err == nil && len(m) != 1001 {
				err = fmt.Errorf("got %d attributes", len(m))
			}
			return err
		}},
		{"GetOrCreate (existing)", func() error { _, _, err := attributehub.GetOrCreate(ctx, db, "count", "h"); return err }},
		{"ListWithAttributes", func() error {
			_, err := attributehub.ListWithAttributes(ctx, db, "count", attributehub.LoadOptions{})
			return err
		}},
		{"Load", func() error {
			_, err := attributehub.Load(ctx, db, []*attributehub.Hub{h, h}, attributehub.LoadOptions{})
			return err
		}},
		{"Find", func() error {
			_, err := attributehub.Find(ctx, db, "count", attributehub.Where("a0000").Eq(0), attributehub.Where("one").Gt(0))
			return err
		}},
	}
	for _, s := range steps {
		before := count.Load()
		require.NoError(t, s.call(), s.name)
		assert.EqualValues(t, 1, count.Load()-before, "%s sends one statement", s.name)
	}
	// Delete locks the hub row, then deletes attributes and hub: two
	// statements in one transaction.
	before := count.Load()
	require.NoError(t, h.Delete(ctx))
	assert.EqualValues(t, 2, count.Load()-before, "Delete sends two statements")
}

func TestSetAttributesLimit(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "limit", "h")
	require.NoError(t, err)
	count := countStatements(t, db)

	tooMany := make(map[string]any, attributehub.MaxBulk+1)
	for i := range attributehub.MaxBulk + 1 {
		tooMany[fmt.Sprint("k", i)] = i
	}
	err = h.SetAttributes(ctx, tooMany)
	require.ErrorIs(t, err, attributehub.ErrTooMany)
	assert.Contains(t, err.Error(), "10001")
	assert.Zero(t, count.Load(), "refused before anything is sent")

	delete(tooMany, "k0")
	require.NoError(t, h.SetAttributes(ctx, tooMany), "exactly MaxBulk is accepted")
	all, err := h.Attributes(ctx)
	require.NoError(t, err)
	assert.Len(t, all, attributehub.MaxBulk)

	require.NoError(t, h.SetAttributes(ctx, nil))
}

func TestUnboundHub(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var h attributehub.Hub
	assert.ErrorIs(t, h.SetAttribute(ctx, "a", 1), attributehub.ErrInvalidHub)
	_, _, err := h.GetAttribute(ctx, "a")
	assert.ErrorIs(t, err, attributehub.ErrInvalidHub)
	assert.ErrorIs(t, h.Delete(ctx), attributehub.ErrInvalidHub)
	var nilHub *attributehub.Hub
	_, err = nilHub.Attributes(ctx)
	assert.ErrorIs(t, err, attributehub.ErrInvalidHub)
	_, err = attributehub.Load(ctx, nil, []*attributehub.Hub{&h}, attributehub.LoadOptions{})
	assert.ErrorIs(t, err, attributehub.ErrInvalidHub)
}

func TestMismatchErrorIsTyped(t *testing.T) {
	t.Parallel()
	_, _, err := attributehub.Value[int](map[string]any{"p": "high"}, "p")
	var tm *attributehub.TypeMismatchError
	require.ErrorAs(t, err, &tm)
	assert.True(t, errors.Is(err, attributehub.ErrTypeMismatch))
	assert.Equal(t, "p", tm.Name)
	assert.Equal(t, attributehub.KindText, tm.Stored)
	assert.Equal(t, "int", tm.Want.String())
	assert.Equal(t, `attributehub: attribute "p" holds a text value; cannot read it as int`, err.Error())
}

// In a namespace made by Canvas, int_value is a 32-bit integer: a larger
// value is refused by PostgreSQL, reported as ErrInvalidValue, never cut.
func TestCanvasIntColumn(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	require.NoError(t, admin.Exec(`ALTER TABLE acme__hub_test.custom_attribute ALTER COLUMN int_value TYPE integer`).Error)
	h, err := attributehub.Create(ctx, db, "canvas", "h")
	require.NoError(t, err)
	require.NoError(t, h.SetAttribute(ctx, "fits", math.MaxInt32))

	for _, bulk := range []bool{false, true} {
		if bulk {
			err = h.SetAttributes(ctx, map[string]any{"a": 1, "big": int64(1) << 40})
		} else {
			err = h.SetAttribute(ctx, "big", int64(1)<<40)
		}
		require.ErrorIs(t, err, attributehub.ErrInvalidValue)
		var pg *pgconn.PgError
		require.ErrorAs(t, err, &pg)
		assert.Equal(t, "22003", pg.Code)
	}
	all, err := h.Attributes(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"fits": int64(math.MaxInt32)}, all)
}

// selfPtr is a pointer type whose values can point to themselves.
type selfPtr *selfPtr

// TestSelfReferentialPointers: a value that points to itself is refused with
// an error, never followed until the stack overflows.
func TestSelfReferentialPointers(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "cycle", "h")
	require.NoError(t, err)

	var x any
	x = &x
	var p selfPtr
	p = &p
	cases := []struct {
		name  string
		value any
	}{
		{"an any that points to itself", x},
		{"type P *P", p},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := attributehub.KindOf(c.value)
			require.ErrorIs(t, err, attributehub.ErrInvalidValue)
			assert.Contains(t, err.Error(), "pointers nested deeper than")

			err = h.SetAttribute(ctx, "x", c.value)
			require.ErrorIs(t, err, attributehub.ErrInvalidValue)
			assert.Contains(t, err.Error(), `"x"`, "the error names the attribute")
			assert.ErrorIs(t, h.SetAttributes(ctx, map[string]any{"good": 1, "x": c.value}), attributehub.ErrInvalidValue)

			assert.ErrorIs(t, attributehub.Where("x").Eq(c.value).Err(), attributehub.ErrInvalidValue)
			assert.ErrorIs(t, attributehub.Where("x").In(c.value).Err(), attributehub.ErrInvalidValue)

			_, _, err = attributehub.Value[int](map[string]any{"x": c.value}, "x")
			assert.ErrorIs(t, err, attributehub.ErrTypeMismatch)
		})
	}
	var n int64
	require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.custom_attribute`).Scan(&n).Error)
	assert.Zero(t, n, "nothing was written")

	t.Run("read as a self-referential pointer type", func(t *testing.T) {
		require.NoError(t, h.SetAttribute(ctx, "n", 1))
		_, _, err := attributehub.Attribute[selfPtr](ctx, h, "n")
		var tm *attributehub.TypeMismatchError
		require.ErrorAs(t, err, &tm)
		assert.Equal(t, "n", tm.Name)
		assert.Contains(t, err.Error(), "pointers nested deeper than")
		_, _, err = attributehub.Value[selfPtr](map[string]any{"n": int64(1)}, "n")
		assert.ErrorIs(t, err, attributehub.ErrTypeMismatch)

		got, ok, err := attributehub.Value[selfPtr](map[string]any{"nil": nil}, "nil")
		require.NoError(t, err, "a stored nil is the nil pointer")
		assert.True(t, ok)
		assert.Nil(t, got)
	})
}

// TestNameLength: a name longer than MaxNameLength bytes is refused with
// ErrInvalidName before anything is sent, and the message does not repeat
// the whole name; a name at the limit is stored and read back.
func TestNameLength(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "names", "long")
	require.NoError(t, err)

	atLimit := map[string]string{
		"ASCII":      strings.Repeat("n", attributehub.MaxNameLength),
		"multi-byte": strings.Repeat("é", attributehub.MaxNameLength/2),
	}
	for kind, name := range atLimit {
		require.NoError(t, h.SetAttribute(ctx, name, kind), kind)
		v, ok, err := h.GetAttribute(ctx, name)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, kind, v)
	}

	b := make([]byte, 2000)
	_, _ = rand.Read(b)
	cases := []struct {
		name string
		attr string
	}{
		{"one byte over", strings.Repeat("n", attributehub.MaxNameLength+1)},
		{"multi-byte, over in bytes", strings.Repeat("é", attributehub.MaxNameLength/2) + "é"},
		{"past the primary key's btree limit", hex.EncodeToString(b)}, // incompressible, 4,000 bytes
	}
	sent := countStatements(t, db)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check := func(err error) {
				t.Helper()
				require.ErrorIs(t, err, attributehub.ErrInvalidName)
				assert.Contains(t, err.Error(), "longer than the limit")
				assert.Less(t, len(err.Error()), 300, "the message does not hold the whole name: %s", err)
			}
			check(h.SetAttribute(ctx, c.attr, 1))
			check(h.SetAttributes(ctx, map[string]any{"ok": 1, c.attr: 1}))
			_, _, err := h.GetAttribute(ctx, c.attr)
			check(err)
			_, err = h.DeleteAttribute(ctx, c.attr)
			check(err)
			check(attributehub.Where(c.attr).Eq(1).Err())
			_, err = attributehub.Load(ctx, db, []*attributehub.Hub{h}, attributehub.LoadOptions{Only: []string{c.attr}})
			check(err)
		})
	}
	assert.Zero(t, sent.Load(), "nothing was sent")
}
