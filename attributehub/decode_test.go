package attributehub_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestReadsIgnoreSessionSettings: a session whose DateStyle (and TimeZone)
// differ from the defaults reads, writes and queries the same values.
func TestReadsIgnoreSessionSettings(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	d.Scoped(t, testNS) // schema and system tables
	cfg, err := pgx.ParseConfig(d.DSN)
	require.NoError(t, err)
	cfg.RuntimeParams["datestyle"] = "SQL, DMY"
	cfg.RuntimeParams["timezone"] = "Asia/Kolkata"
	pool := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { _ = pool.Close() })
	db, err := scope.Open(pool, testNS, scope.Options{})
	require.NoError(t, err)
	ctx := context.Background()

	var style string
	require.NoError(t, db.Raw(`SHOW datestyle`).Scan(&style).Error)
	require.Equal(t, "SQL, DMY", style, "the session's DateStyle is set")

	date := civil.Date{Year: 2026, Month: 3, Day: 4}
	early := civil.Date{Year: 5, Month: 12, Day: 31}
	at := time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC)
	h, err := attributehub.Create(ctx, db, "ds", "h")
	require.NoError(t, err)
	require.NoError(t, h.SetAttributes(ctx, map[string]any{"date": date, "early": early, "at": at}))

	v, ok, err := h.GetAttribute(ctx, "date")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, date, v)
	got, _, err := attributehub.Attribute[civil.Date](ctx, h, "early")
	require.NoError(t, err)
	assert.Equal(t, early, got)

	all, err := h.Attributes(ctx)
	require.NoError(t, err)
	assert.Equal(t, date, all["date"])
	assert.Equal(t, early, all["early"])
	assertSameValue(t, at, all["at"])

	loaded, err := attributehub.ListWithAttributes(ctx, db, "ds", attributehub.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, loaded, 1)
	assert.Equal(t, date, loaded[0].Values["date"])
	loaded, err = attributehub.Load(ctx, db, []*attributehub.Hub{h}, attributehub.LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, date, loaded[0].Values["date"])

	hubs, err := attributehub.Find(ctx, db, "ds",
		attributehub.Where("date").Eq(date),
		attributehub.Where("early").Lt(civil.Date{Year: 6, Month: 1, Day: 1}),
		attributehub.Where("at").Eq(at))
	require.NoError(t, err)
	assert.Len(t, hubs, 1)
}

// TestReadPrecedenceLikePython: a row with more than one value column set
// (which this package never writes, but other code may) reads the column
// Canvas's Python SDK reads: text, date, timestamp, int, decimal, bool, json.
func TestReadPrecedenceLikePython(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "prec", "h")
	require.NoError(t, err)
	cases := []struct {
		name string
		sets string // SQL assignments of the row's value columns
		want any
	}{
		{"text over date", `text_value = 'x', date_value = '2026-01-02'`, "x"},
		{"date over int", `int_value = 7, date_value = '2026-01-02'`, civil.Date{Year: 2026, Month: 1, Day: 2}},
		{"timestamp over bool", `bool_value = true, timestamp_value = '2026-01-02 03:04:05+00'`,
			time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"timestamp over decimal", `decimal_value = 1.5, timestamp_value = '2026-01-02 03:04:05+00'`,
			time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"int over decimal", `int_value = 7, decimal_value = 1.5`, int64(7)},
		{"decimal over bool", `decimal_value = 1.5, bool_value = false`, decimal.RequireFromString("1.5")},
		{"bool over json", `bool_value = false, json_value = '[1]'`, false},
		{"date over json", `date_value = '2026-01-02', json_value = '[1]'`, civil.Date{Year: 2026, Month: 1, Day: 2}},
	}
	for _, c := range cases {
		require.NoError(t, admin.Exec(`INSERT INTO acme__hub_test.custom_attribute (hub_id, name) VALUES (?, ?)`, h.DBID, c.name).Error)
		require.NoError(t, admin.Exec(`UPDATE acme__hub_test.custom_attribute SET `+c.sets+` WHERE hub_id = ? AND name = ?`, h.DBID, c.name).Error)
	}
	all, err := h.Attributes(ctx)
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, ok, err := h.GetAttribute(ctx, c.name)
			require.NoError(t, err)
			require.True(t, ok)
			assertSameValue(t, c.want, v)
			assertSameValue(t, c.want, all[c.name])
		})
	}
}

// TestUnreadableStoredValue: a decimal NaN written by other code (numeric
// accepts it; decimal.Decimal cannot hold it) is an error wrapping
// ErrInvalidValue that names the attribute; reads of many attributes still
// return every other attribute, with that error.
func TestUnreadableStoredValue(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "nan", "h")
	require.NoError(t, err)
	other, err := attributehub.Create(ctx, db, "nan", "other")
	require.NoError(t, err)
	require.NoError(t, h.SetAttributes(ctx, map[string]any{"good": 1, "dec": 1.5}))
	require.NoError(t, other.SetAttribute(ctx, "good", 2))
	require.NoError(t, admin.Exec(`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, decimal_value) VALUES (?, 'bad', 'NaN')`, h.DBID).Error)

	checkErr := func(t *testing.T, err error) {
		t.Helper()
		require.ErrorIs(t, err, attributehub.ErrInvalidValue)
		assert.Contains(t, err.Error(), `attribute "bad" of hub nan/h`)
		assert.Contains(t, err.Error(), "NaN")
	}
	wantH := map[string]any{"good": int64(1), "dec": decimal.RequireFromString("1.5")}
	checkValues := func(t *testing.T, want, got map[string]any) {
		t.Helper()
		assert.Len(t, got, len(want))
		for k, v := range want {
			assertSameValue(t, v, got[k])
		}
	}

	t.Run("GetAttribute", func(t *testing.T) {
		_, _, err := h.GetAttribute(ctx, "bad")
		checkErr(t, err)
		_, _, err = attributehub.Attribute[decimal.Decimal](ctx, h, "bad")
		checkErr(t, err)
		v, ok, err := h.GetAttribute(ctx, "good")
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, int64(1), v)
	})
	t.Run("Attributes", func(t *testing.T) {
		all, err := h.Attributes(ctx)
		checkErr(t, err)
		checkValues(t, wantH, all)
	})
	t.Run("ListWithAttributes", func(t *testing.T) {
		listed, err := attributehub.ListWithAttributes(ctx, db, "nan", attributehub.LoadOptions{})
		checkErr(t, err)
		require.Len(t, listed, 2)
		assert.Equal(t, "h", listed[0].ID)
		checkValues(t, wantH, listed[0].Values)
		assert.Equal(t, map[string]any{"good": int64(2)}, listed[1].Values)

		only, err := attributehub.ListWithAttributes(ctx, db, "nan", attributehub.LoadOptions{Only: []string{"good"}})
		require.NoError(t, err, "the bad attribute is not read")
		assert.Len(t, only, 2)
	})
	t.Run("Load", func(t *testing.T) {
		loaded, err := attributehub.Load(ctx, db, []*attributehub.Hub{other, h}, attributehub.LoadOptions{})
		checkErr(t, err)
		require.Len(t, loaded, 2)
		assert.Equal(t, map[string]any{"good": int64(2)}, loaded[0].Values)
		checkValues(t, wantH, loaded[1].Values)
	})
}
