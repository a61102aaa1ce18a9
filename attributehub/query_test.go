package attributehub_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
)

func TestFind(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	day := func(d int) civil.Date { return civil.Date{Year: 2026, Month: 6, Day: d} }
	at := func(h int) time.Time { return time.Date(2026, 6, 1, h, 0, 0, 0, time.UTC) }
	dec := decimal.RequireFromString
	data := map[string]map[string]any{
		"t1": {"priority": 1, "status": "open", "due": day(1), "seen": at(1), "score": dec("0.5"), "done": false, "meta": map[string]any{"k": 1}},
		"t2": {"priority": 3, "status": "blocked", "due": day(2), "seen": at(2), "score": dec("1.25"), "done": true, "meta": nil},
		"t3": {"priority": 5, "status": "open", "due": day(3), "seen": at(3), "score": dec("2.75"), "done": false},
		"t4": {"priority": "5", "status": "closed"}, // priority as text: not an int
	}
	for id, attrs := range data {
		h, err := attributehub.Create(ctx, db, "task", id)
		require.NoError(t, err)
		require.NoError(t, h.SetAttributes(ctx, attrs))
	}
	_, err := attributehub.Create(ctx, db, "other", "t9")
	require.NoError(t, err)
	w := attributehub.Where

	cases := []struct {
		name  string
		conds []attributehub.Condition
		want  []string
	}{
		{"no condition", nil, []string{"t1", "t2", "t3", "t4"}},
		{"int eq", []attributehub.Condition{w("priority").Eq(3)}, []string{"t2"}},
		{"int gt (text '5' does not match)", []attributehub.Condition{w("priority").Gt(3)}, []string{"t3"}},
		{"int gte", []attributehub.Condition{w("priority").Gte(3)}, []string{"t2", "t3"}},
		{"int lt", []attributehub.Condition{w("priority").Lt(3)}, []string{"t1"}},
		{"int in", []attributehub.Condition{w("priority").In(1, int8(5))}, []string{"t1", "t3"}},
		{"text eq selects text_value", []attributehub.Condition{w("priority").Eq("5")}, []string{"t4"}},
		{"string eq", []attributehub.Condition{w("status").Eq("open")}, []string{"t1", "t3"}},
		{"string in", []attributehub.Condition{w("status").In("blocked", "closed")}, []string{"t2", "t4"}},
		{"string gt", []attributehub.Condition{w("status").Gt("c")}, []string{"t1", "t3", "t4"}},
		{"date lte", []attributehub.Condition{w("due").Lte(day(2))}, []string{"t1", "t2"}},
		{"date in", []attributehub.Condition{w("due").In(day(1), day(3))}, []string{"t1", "t3"}},
		{"time gt", []attributehub.Condition{w("seen").Gt(at(1))}, []string{"t2", "t3"}},
		{"time eq in another zone", []attributehub.Condition{w("seen").Eq(at(2).In(time.FixedZone("X", 3600)))}, []string{"t2"}},
		{"decimal gt", []attributehub.Condition{w("score").Gt(dec("1"))}, []string{"t2", "t3"}},
		{"float lt selects decimal_value", []attributehub.Condition{w("score").Lt(1.25)}, []string{"t1"}},
		{"bool eq", []attributehub.Condition{w("done").Eq(true)}, []string{"t2"}},
		{"json eq", []attributehub.Condition{w("meta").Eq(map[string]int{"k": 1})}, []string{"t1"}},
		{"stored nil", []attributehub.Condition{w("meta").Eq(nil)}, []string{"t2"}},
		{"two conditions", []attributehub.Condition{w("status").Eq("open"), w("priority").Gt(2)}, []string{"t3"}},
		{"empty in", []attributehub.Condition{w("status").In()}, nil},
		{"missing attribute", []attributehub.Condition{w("nope").Eq(1)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, findIDs(t, db, "task", c.conds...))
		})
	}

	bad := []struct {
		name string
		cond attributehub.Condition
		msg  string
	}{
		{"mixed in", w("priority").In(1, "2"), "mixes int and text"},
		{"nil in in", w("priority").In(1, nil), "Eq(nil)"},
		{"gt on bool", w("done").Gt(true), "only text, int, decimal, date and timestamp"},
		{"lt on json", w("meta").Lt(map[string]int{}), "only text"},
		{"gt nil", w("meta").Gt(nil), "only text"},
		{"NaN", w("score").Gt(0.0 / zero()), "NaN"},
		{"zero condition", attributehub.Condition{}, "Where"},
		{"empty name", w("").Eq(1), "empty"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := attributehub.Find(ctx, db, "task", c.cond)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
	_, err = attributehub.Find(ctx, db, "task", w("priority").In(1, "2"))
	assert.ErrorIs(t, err, attributehub.ErrInvalidQuery)
	_, err = attributehub.Find(ctx, db, "task", w("score").Gt(math.Inf(1)))
	assert.ErrorIs(t, err, attributehub.ErrInvalidValue)
}

// TestFindOperandsBeyondStorage: an operand the column could not store is
// still compared exactly (comparison is well defined).
func TestFindOperandsBeyondStorage(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	dec := decimal.RequireFromString
	for id, attrs := range map[string]map[string]any{
		"small": {"score": dec("0.1234567890"), "n": int64(math.MinInt64), "s": "a"},
		"big":   {"score": dec("9999999999.9999999999"), "n": int64(math.MaxInt64), "s": "b"},
	} {
		h, err := attributehub.Create(ctx, db, "op", id)
		require.NoError(t, err)
		require.NoError(t, h.SetAttributes(ctx, attrs))
	}
	w := attributehub.Where
	long := strings.Repeat("a", attributehub.MaxValueLength+1)
	cases := []struct {
		name string
		cond attributehub.Condition
		want []string
	}{
		{"decimal beyond 10 integer digits", w("score").Lt(dec("1e12")), []string{"big", "small"}},
		{"float beyond 10 integer digits", w("score").Gt(-1e12), []string{"big", "small"}},
		{"float with 11 fraction digits", w("score").Gt(0.12345678901), []string{"big"}},
		{"float with 11 fraction digits, just below", w("score").Gt(0.12345678899), []string{"big", "small"}},
		{"decimal eq with 11 fraction digits", w("score").Eq(dec("0.12345678901")), nil},
		{"uint64 max: every int is less", w("n").Lt(uint64(math.MaxUint64)), []string{"big", "small"}},
		{"uint64 max: no int is greater or equal", w("n").Gte(uint64(math.MaxUint64)), nil},
		{"uint64 beyond int64 in In", w("n").In(uint64(math.MaxUint64), int64(math.MaxInt64)), []string{"big"}},
		{"text over the length limit", w("s").Lt(long), []string{"small"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, c.cond.Err())
			assert.Equal(t, c.want, findIDs(t, db, "op", c.cond))
		})
	}
	for _, c := range []attributehub.Condition{w("score").Gt(math.NaN()), w("score").Lt(math.Inf(-1)), w("s").Eq("a\x00"),
		w("score").Gt(decimal.New(1, 1_000_000_000)), w("score").Lt(decimal.New(1, -1_000_000_000))} {
		assert.ErrorIs(t, c.Err(), attributehub.ErrInvalidValue, "%s", c)
	}
}

func zero() float64 { return 0 }

func TestConditionString(t *testing.T) {
	t.Parallel()
	w := attributehub.Where
	micro := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	fine := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.UTC) // nanoseconds below a microsecond
	cases := map[string]attributehub.Condition{
		"zero Condition (build conditions with Where)": {},
		"n in () ()":                   w("n").In(),
		"score >= 1.5 (decimal_value)": w("score").Gte(1.5),
		"seen < 2026-01-02T03:04:05.000006Z (timestamp_value)":  w("seen").Lt(micro),
		"seen <= 2026-01-02T03:04:05.000006Z (timestamp_value)": w("seen").Lt(fine),
		"seen > 2026-01-02T03:04:05.000006Z (timestamp_value)":  w("seen").Gte(fine),
	}
	for want, c := range cases {
		assert.Equal(t, want, c.String())
	}
	assert.Equal(t, "seen = 2026-01-02T03:04:05.000006789Z (timestamp_value): matches nothing, stored times have whole microseconds",
		w("seen").Eq(fine).String())
	assert.Contains(t, w("b").Gt(false).String(), "invalid condition")
}

// TestFindTimeFinerThanMicroseconds: stored times have whole microseconds;
// an operand with nanoseconds below a microsecond still compares exactly
// (it lies strictly between two storable times).
func TestFindTimeFinerThanMicroseconds(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	old := time.Date(1960, 1, 1, 0, 0, 0, 1000, time.UTC) // before 1970: negative Unix time
	for id, seen := range map[string]time.Time{"before": at.Add(-time.Microsecond), "at": at, "after": at.Add(time.Microsecond)} {
		h, err := attributehub.Create(ctx, db, "fine", id)
		require.NoError(t, err)
		require.NoError(t, h.SetAttribute(ctx, "seen", seen))
		if id == "at" {
			require.NoError(t, h.SetAttribute(ctx, "old", old))
		}
	}
	fine := at.Add(789 * time.Nanosecond) // after "at", before "after"
	oldFine := old.Add(500 * time.Nanosecond)
	w := attributehub.Where
	cases := []struct {
		name string
		cond attributehub.Condition
		want []string
	}{
		{"lt", w("seen").Lt(fine), []string{"at", "before"}},
		{"lte", w("seen").Lte(fine), []string{"at", "before"}},
		{"gt", w("seen").Gt(fine), []string{"after"}},
		{"gte", w("seen").Gte(fine), []string{"after"}},
		{"eq", w("seen").Eq(fine), nil},
		{"in", w("seen").In(fine), nil},
		{"in with an exact operand", w("seen").In(fine, at.Add(time.Microsecond)), []string{"after"}},
		{"lt in another zone", w("seen").Lt(fine.In(time.FixedZone("X", -3600))), []string{"at", "before"}},
		{"gte through a pointer", w("seen").Gte(&fine), []string{"after"}},
		{"exact eq", w("seen").Eq(at), []string{"at"}},
		{"exact lt", w("seen").Lt(at), []string{"before"}},
		{"exact gte", w("seen").Gte(at), []string{"after", "at"}},
		{"before 1970: lt", w("old").Lt(oldFine), []string{"at"}},
		{"before 1970: gte", w("old").Gte(oldFine), nil},
		{"before 1970: gt just below", w("old").Gt(old.Add(-500 * time.Nanosecond)), []string{"at"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, c.cond.Err())
			assert.Equal(t, c.want, findIDs(t, db, "fine", c.cond))
		})
	}
}

// findIDs returns the ids of the hubs of type typ that Find returns.
func findIDs(t *testing.T, db *gorm.DB, typ string, conds ...attributehub.Condition) []string {
	t.Helper()
	hubs, err := attributehub.Find(context.Background(), db, typ, conds...)
	require.NoError(t, err)
	var ids []string
	for _, h := range hubs {
		ids = append(ids, h.ID)
	}
	return ids
}
