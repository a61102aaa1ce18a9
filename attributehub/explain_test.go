package attributehub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	ah "github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
)

// seedLarge fills the namespace with 100,000 hubs of 10 types, each with an
// int "priority", a text "status" and one more attribute whose kind rotates
// (date, timestamp, decimal, bool, json), then ANALYZEs.
func seedLarge(t *testing.T, admin *gorm.DB) { seedLargeTB(t, admin) }

func seedLargeTB(t testing.TB, admin *gorm.DB) {
	ctx := context.Background()
	stmts := []string{
		`INSERT INTO acme__hub_test.attribute_hub (type, id)
 SELECT 'type' || (i % 10), 'hub:' || lpad(i::text, 6, '0') FROM generate_series(1, 100000) i`,
		`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, int_value)
 SELECT dbid, 'priority', dbid % 1000 FROM acme__hub_test.attribute_hub`,
		`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, text_value)
 SELECT dbid, 'status', 'status ' || (dbid % 500) FROM acme__hub_test.attribute_hub`,
		`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, date_value)
 SELECT dbid, 'due', date '2020-01-01' + (dbid % 3000)::int FROM acme__hub_test.attribute_hub WHERE dbid % 5 = 0`,
		`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, timestamp_value)
 SELECT dbid, 'seen', timestamptz '2020-01-01 00:00Z' + dbid * interval '1 minute' FROM acme__hub_test.attribute_hub WHERE dbid % 5 = 1`,
		`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, decimal_value)
 SELECT dbid, 'score', dbid / 7.0 FROM acme__hub_test.attribute_hub WHERE dbid % 5 = 2`,
		`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, bool_value)
 SELECT dbid, 'flagged', dbid % 1000 = 0 FROM acme__hub_test.attribute_hub WHERE dbid % 5 = 3`,
		`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, json_value)
 SELECT dbid, 'addr', jsonb_build_object('city', 'city ' || (dbid % 2000), 'zip', dbid % 90000, 'tags', jsonb_build_array('t' || (dbid % 3000)))
 FROM acme__hub_test.attribute_hub WHERE dbid % 5 = 4`,
		`ANALYZE acme__hub_test.attribute_hub`,
		`ANALYZE acme__hub_test.custom_attribute`,
	}
	for _, s := range stmts {
		require.NoError(t, admin.WithContext(ctx).Exec(s).Error)
	}
}

// explain returns the plan of q's statement.
func explain(t *testing.T, db *gorm.DB, query string, args []any) string {
	rows, err := db.Raw("EXPLAIN "+query, args...).Rows()
	require.NoError(t, err)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		require.NoError(t, rows.Scan(&l))
		lines = append(lines, l)
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}

// TestQueryPlans runs EXPLAIN on every query shape over 100,000 hubs and
// asserts that custom_attribute is never read by a sequential scan where an
// index applies. The shapes marked noIndex have no index that serves their
// predicate in the system tables (LIKE on text_value, which has a hash
// index; an ordered comparison inside JSON; a negation): their plans are
// logged, not asserted.
func TestQueryPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 hubs")
	}
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	seedLarge(t, admin)
	w := ah.Where
	day := civil.Date{Year: 2025, Month: 3, Day: 1}
	at := time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		q       ah.Query
		noIndex bool
		minRows int
	}{
		{name: "int eq", q: ah.Hubs("type1").Where(w("priority").Eq(501)), minRows: 1},
		{name: "int range", q: ah.Hubs("type1").Where(w("priority").Gt(990)), minRows: 1},
		{name: "int in", q: ah.Hubs().Where(w("priority").In(1, 2, 3))},
		{name: "text eq", q: ah.Hubs("type1").Where(w("status").Eq("status 11")), minRows: 1},
		{name: "text in", q: ah.Hubs().Where(w("status").In("status 11", "status 12"))},
		{name: "date range", q: ah.Hubs().Where(w("due").Gte(day), w("due").Lt(civil.Date{Year: 2025, Month: 3, Day: 4}))},
		{name: "timestamp range", q: ah.Hubs().Where(w("seen").Lt(at))},
		{name: "decimal range", q: ah.Hubs().Where(w("score").Gt(decimal.RequireFromString("14280")))},
		{name: "bool eq (rare value)", q: ah.Hubs().Where(w("flagged").Eq(true))},
		{name: "json contains", q: ah.Hubs().Where(w("addr").JSONContains(map[string]any{"tags": []string{"t7"}}))},
		{name: "json has key (rare key)", q: ah.Hubs().Where(w("addr").HasKey("t8"))},
		{name: "json path eq", q: ah.Hubs().Where(w("addr").Path("city").Eq("city 9"))},
		{name: "json path in", q: ah.Hubs().Where(w("addr").Path("zip").In(9, 14))},
		{name: "and", q: ah.Hubs().Where(w("priority").Eq(7), w("status").Eq("status 7"))},
		{name: "or", q: ah.Hubs().Where(ah.Or(w("priority").Eq(7), w("status").Eq("status 8"), w("addr").Path("city").Eq("city 9")))},
		{name: "selective and unselective", q: ah.Hubs("type3").Where(w("priority").Eq(3), w("status").Exists())},
		{name: "not under a selective filter", q: ah.Hubs().Where(w("priority").Eq(3), ah.Not(w("status").Eq("status 3")))},
		{name: "is null under a selective filter", q: ah.Hubs().Where(w("priority").Eq(4), w("due").IsNull())},
		{name: "order by value, limit", q: ah.Hubs("type2").OrderBy(ah.ByValue("priority", ah.KindInt).Desc()).Limit(20), minRows: 20},
		{name: "order by value with a filter", q: ah.Hubs().Where(w("status").Eq("status 5")).OrderBy(ah.ByValue("priority", ah.KindInt)).Limit(20)},
		{name: "exists, limit", q: ah.Hubs("type4").Where(w("score").Exists()).Limit(20)},
		{name: "by id, limit", q: ah.Hubs("type5").Where(w("priority").Gte(0)).Limit(20), minRows: 20},
		{name: "contains", q: ah.Hubs().Where(w("status").Contains("us 49")).Limit(20), noIndex: true},
		{name: "icontains", q: ah.Hubs().Where(w("status").IContains("US 49")).Limit(20), noIndex: true},
		{name: "has prefix", q: ah.Hubs().Where(w("status").HasPrefix("status 49")).Limit(20), noIndex: true},
		{name: "path range", q: ah.Hubs().Where(w("addr").Path("zip").Gt(89990)).Limit(20), noIndex: true},
		{name: "not alone", q: ah.Hubs().Where(ah.Not(w("priority").Gt(3))).Limit(20), noIndex: true},
		{name: "is null alone", q: ah.Hubs().Where(w("due").IsNull()).Limit(20), noIndex: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			query, args, err := c.q.SQL(db)
			require.NoError(t, err)
			plan := explain(t, db, query, args)
			hubs, err := c.q.Find(ctx, db)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, len(hubs), c.minRows)
			if c.noIndex {
				t.Logf("no index applies; plan:\n%s", plan)
				return
			}
			assert.NotContains(t, plan, "Seq Scan on custom_attribute", "plan:\n%s", plan)
			assert.Contains(t, plan, "Index", "plan:\n%s", plan)
			if testing.Verbose() {
				t.Logf("plan:\n%s", plan)
			}
		})
	}
	// Page (with a cursor deep in the order) and Count.
	byValue := ah.Hubs("type1").OrderBy(ah.ByValue("priority", ah.KindInt)).Limit(20)
	byID := ah.Hubs("type1").Limit(20)
	_, vcur, err := byValue.Limit(3000).Page(ctx, db)
	require.NoError(t, err)
	_, icur, err := byID.Limit(3000).Page(ctx, db)
	require.NoError(t, err)
	other := []struct {
		name  string
		build func() (string, []any, error)
	}{
		{"page by value after a cursor", func() (string, []any, error) { return ah.PageSQL(db, byValue.After(vcur)) }},
		{"page by id after a cursor", func() (string, []any, error) { return ah.PageSQL(db, byID.After(icur)) }},
		{"count, int range", func() (string, []any, error) { return ah.CountSQL(db, ah.Hubs().Where(w("priority").Gt(990))) }},
		{"count, json contains", func() (string, []any, error) {
			return ah.CountSQL(db, ah.Hubs("type4").Where(w("addr").JSONContains(map[string]any{"city": "city 4"})))
		}},
		{"count, or", func() (string, []any, error) {
			return ah.CountSQL(db, ah.Hubs().Where(ah.Or(w("status").Eq("status 1"), w("flagged").Eq(true))))
		}},
	}
	for _, c := range other {
		t.Run(c.name, func(t *testing.T) {
			query, args, err := c.build()
			require.NoError(t, err)
			plan := explain(t, db, query, args)
			assert.NotContains(t, plan, "Seq Scan on custom_attribute", "plan:\n%s", plan)
			assert.Contains(t, plan, "Index", "plan:\n%s", plan)
		})
	}
	rowCases := []struct {
		name string
		f    ah.Filter
	}{
		{"attributes: int range", w("priority").Gt(998)},
		{"attributes: text eq", w("status").Eq("status 1")},
		{"attributes: json path eq", w("addr").Path("city").Eq("city 9")},
		{"attributes: or", ah.Or(w("priority").Eq(1), w("flagged").Eq(true))},
	}
	for _, c := range rowCases {
		t.Run(c.name, func(t *testing.T) {
			query, args, err := ah.FindAttributesSQL(db, c.f)
			require.NoError(t, err)
			plan := explain(t, db, query, args)
			assert.NotContains(t, plan, "Seq Scan on custom_attribute", "plan:\n%s", plan)
			rows, err := ah.FindAttributes(ctx, db, c.f)
			require.NoError(t, err)
			assert.NotEmpty(t, rows)
		})
	}
}
