package attributehub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	ah "github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
)

// seedQueryHubs makes hubs of type "task" t1..t5 and "bug" b1 with varied
// attributes.
func seedQueryHubs(t *testing.T, db *gorm.DB) {
	ctx := context.Background()
	data := map[[2]string]map[string]any{
		{"task", "t1"}: {"priority": 1, "title": "Fix 100% of bugs", "tags": []string{"urgent", "x"}, "addr": map[string]any{"city": "Paris", "zip": 75001}, "due": civil.Date{Year: 2026, Month: 1, Day: 3}},
		{"task", "t2"}: {"priority": 3, "title": "fix_the build", "tags": []string{"later"}, "addr": map[string]any{"city": "Lyon", "zip": 69001}, "note": nil},
		{"task", "t3"}: {"priority": 5, "title": "Write docs", "addr": map[string]any{"city": "paris", "zip": "75"}, "due": civil.Date{Year: 2026, Month: 1, Day: 1}},
		{"task", "t4"}: {"priority": "5", "title": `back\slash`},
		{"task", "t5"}: {},
		{"bug", "b1"}:  {"priority": 4, "title": "FIX crash", "score": decimal.RequireFromString("2.5")},
	}
	for k, attrs := range data {
		h, err := ah.Create(ctx, db, k[0], k[1])
		require.NoError(t, err)
		if len(attrs) > 0 {
			require.NoError(t, h.SetAttributes(ctx, attrs))
		}
	}
}

func ids(hubs []*ah.Hub) []string {
	var out []string
	for _, h := range hubs {
		out = append(out, h.ID)
	}
	return out
}

func TestHubsFilters(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	seedQueryHubs(t, db)
	w := ah.Where
	cases := []struct {
		name  string
		q     ah.Query
		want  []string
		count int64
	}{
		{"every type", ah.Hubs(), []string{"b1", "t1", "t2", "t3", "t4", "t5"}, 6},
		{"type list", ah.Hubs("bug", "task").Where(w("priority").Gte(4)), []string{"b1", "t3"}, 2},
		{"one type", ah.Hubs("task").Where(w("priority").Gte(4)), []string{"t3"}, 1},
		{"or", ah.Hubs().Where(ah.Or(w("priority").Eq(1), w("priority").Eq("5"))), []string{"t1", "t4"}, 2},
		{"and of two attributes", ah.Hubs().Where(ah.And(w("priority").Lt(5), w("addr").Path("city").Eq("Paris"))), []string{"t1"}, 1},
		{"not (includes hubs without it)", ah.Hubs("task").Where(ah.Not(w("priority").Gte(3))), []string{"t1", "t4", "t5"}, 3},
		{"empty and", ah.Hubs("bug").Where(ah.And()), []string{"b1"}, 1},
		{"empty or", ah.Hubs().Where(ah.Or()), nil, 0},
		{"is null: missing or nil", ah.Hubs("task").Where(w("note").IsNull()), []string{"t1", "t2", "t3", "t4", "t5"}, 5},
		{"is null: missing", ah.Hubs("task").Where(w("due").IsNull()), []string{"t2", "t4", "t5"}, 3},
		{"exists (a stored nil too)", ah.Hubs().Where(w("note").Exists()), []string{"t2"}, 1},
		{"eq nil", ah.Hubs().Where(w("note").Eq(nil)), []string{"t2"}, 1},
		{"contains, % literal", ah.Hubs().Where(w("title").Contains("100%")), []string{"t1"}, 1},
		{"contains, _ literal", ah.Hubs().Where(w("title").Contains("x_t")), []string{"t2"}, 1},
		{"contains is case sensitive", ah.Hubs().Where(w("title").Contains("fix")), []string{"t2"}, 1},
		{"icontains", ah.Hubs().Where(w("title").IContains("fix")), []string{"b1", "t1", "t2"}, 3},
		{"contains, backslash literal", ah.Hubs().Where(w("title").Contains(`k\s`)), []string{"t4"}, 1},
		{"has prefix", ah.Hubs().Where(w("title").HasPrefix("Fix")), []string{"t1"}, 1},
		{"ihas prefix", ah.Hubs().Where(w("title").IHasPrefix("fix")), []string{"b1", "t1", "t2"}, 3},
		{"has prefix, wildcard literal", ah.Hubs().Where(w("title").HasPrefix("fix%")), nil, 0},
		{"json contains", ah.Hubs().Where(w("tags").JSONContains([]string{"urgent"})), []string{"t1"}, 1},
		{"json contains raw", ah.Hubs().Where(w("addr").JSONContains(json.RawMessage(`{"city":"Lyon"}`))), []string{"t2"}, 1},
		{"has key", ah.Hubs().Where(w("addr").HasKey("zip")), []string{"t1", "t2", "t3"}, 3},
		{"has key, absent", ah.Hubs().Where(w("addr").HasKey("street")), nil, 0},
		{"path eq is exact and typed", ah.Hubs().Where(w("addr").Path("zip").Eq(75001)), []string{"t1"}, 1},
		{"path eq string", ah.Hubs().Where(w("addr").Path("zip").Eq("75")), []string{"t3"}, 1},
		{"path gt (numbers only)", ah.Hubs().Where(w("addr").Path("zip").Gt(70000)), []string{"t1"}, 1},
		{"path lt (numbers only)", ah.Hubs().Where(w("addr").Path("zip").Lt(80000)), []string{"t1", "t2"}, 2},
		{"path gte string", ah.Hubs().Where(w("addr").Path("city").Gte("P")), []string{"t1", "t3"}, 2},
		{"path in", ah.Hubs().Where(w("addr").Path("city").In("Lyon", "paris")), []string{"t2", "t3"}, 2},
		{"path in empty", ah.Hubs().Where(w("addr").Path("city").In()), nil, 0},
		{"date", ah.Hubs().Where(w("due").Lt(civil.Date{Year: 2026, Month: 1, Day: 2})), []string{"t3"}, 1},
		{"decimal", ah.Hubs().Where(w("score").Gt(2)), nil, 0}, // int operand: int_value
		{"decimal operand", ah.Hubs().Where(w("score").Gt(2.0)), []string{"b1"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hubs, err := c.q.Find(ctx, db)
			require.NoError(t, err)
			got := ids(hubs)
			sort.Strings(got) // ordered by id already, except across types
			assert.Equal(t, c.want, got)
			n, err := c.q.Count(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, c.count, n)
		})
	}
}

func TestHubsOrderLimitOffset(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	seedQueryHubs(t, db)
	prio := ah.ByValue("priority", ah.KindInt)
	cases := []struct {
		name string
		q    ah.Query
		want []string
	}{
		{"by id (default)", ah.Hubs("task"), []string{"t1", "t2", "t3", "t4", "t5"}},
		{"by value asc, missing and other kinds last by dbid", ah.Hubs().OrderBy(prio), []string{"t1", "t2", "b1", "t3"}},
		{"by value desc, missing still last", ah.Hubs().OrderBy(prio.Desc()).Limit(4), []string{"t3", "b1", "t2", "t1"}},
		{"by date", ah.Hubs().OrderBy(ah.ByValue("due", ah.KindDate)).Limit(2), []string{"t3", "t1"}},
		{"by text", ah.Hubs("task").Where(ah.Or(ah.Where("title").HasPrefix("Write"), ah.Where("title").HasPrefix("Fix"))).
			OrderBy(ah.ByValue("title", ah.KindText).Desc()), []string{"t3", "t1"}},
		{"limit", ah.Hubs("task").Limit(2), []string{"t1", "t2"}},
		{"offset", ah.Hubs("task").Offset(3), []string{"t4", "t5"}},
		{"limit and offset", ah.Hubs("task").Limit(2).Offset(1), []string{"t2", "t3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hubs, err := c.q.Find(ctx, db)
			require.NoError(t, err)
			got := ids(hubs)
			if len(got) > len(c.want) {
				got = got[:len(c.want)] // the rest: hubs without the value
			}
			assert.Equal(t, c.want, got)
		})
	}
	// The hubs without an int priority (t4, t5) follow, by dbid.
	hubs, err := ah.Hubs("task").OrderBy(prio).Find(ctx, db)
	require.NoError(t, err)
	require.Len(t, hubs, 5)
	assert.ElementsMatch(t, []string{"t4", "t5"}, ids(hubs[3:]))
	assert.Less(t, hubs[3].DBID, hubs[4].DBID)
}

func TestHubsQueryErrors(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	w := ah.Where
	cases := []struct {
		name string
		q    ah.Query
		want error
	}{
		{"mixed in", ah.Hubs().Where(w("p").In(1, "2")), ah.ErrInvalidQuery},
		{"mixed in inside or", ah.Hubs().Where(ah.Or(w("a").Eq(1), w("p").In(1, "2"))), ah.ErrInvalidQuery},
		{"nil filter", ah.Hubs().Where(nil), ah.ErrInvalidQuery},
		{"nil in and", ah.Hubs().Where(ah.And(nil)), ah.ErrInvalidQuery},
		{"not nil", ah.Hubs().Where(ah.Not(nil)), ah.ErrInvalidQuery},
		{"zero condition", ah.Hubs().Where(ah.Condition{}), ah.ErrInvalidQuery},
		{"bad type", ah.Hubs(""), ah.ErrInvalidHub},
		{"negative limit", ah.Hubs().Limit(-1), ah.ErrInvalidQuery},
		{"negative offset", ah.Hubs().Offset(-1), ah.ErrInvalidQuery},
		{"order by json", ah.Hubs().OrderBy(ah.ByValue("a", ah.KindJSON)), ah.ErrInvalidQuery},
		{"order bad name", ah.Hubs().OrderBy(ah.ByValue("", ah.KindInt)), ah.ErrInvalidName},
		{"path gt bool", ah.Hubs().Where(w("a").Path("b").Gt(true)), ah.ErrInvalidQuery},
		{"path date", ah.Hubs().Where(w("a").Path("b").Eq(civil.Date{Year: 2026, Month: 1, Day: 1})), ah.ErrInvalidQuery},
		{"path contains", ah.Hubs().Where(w("a").Path("b").Contains("x")), ah.ErrInvalidQuery},
		{"bad text", ah.Hubs().Where(w("a").Contains("\x00")), ah.ErrInvalidValue},
		{"json nul", ah.Hubs().Where(w("a").JSONContains(map[string]string{"k": "\x00"})), ah.ErrInvalidValue},
		{"bad raw json", ah.Hubs().Where(w("a").JSONContains(json.RawMessage(`{`))), ah.ErrInvalidValue},
		{"garbage cursor", ah.Hubs().After("nope"), ah.ErrInvalidQuery},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.q.Find(ctx, db)
			assert.ErrorIs(t, err, c.want)
			_, err = c.q.Count(ctx, db)
			if c.name != "garbage cursor" && c.name != "negative limit" && c.name != "negative offset" {
				assert.ErrorIs(t, err, c.want)
			}
		})
	}
	_, _, err := ah.Hubs().Page(ctx, db)
	assert.ErrorIs(t, err, ah.ErrInvalidQuery, "Page without Limit")

	// A cursor of one order is refused by a query of another.
	for i := range 3 {
		h, err := ah.Create(ctx, db, "x", fmt.Sprint(i))
		require.NoError(t, err)
		require.NoError(t, h.SetAttribute(ctx, "n", i))
	}
	_, next, err := ah.Hubs().Limit(1).Page(ctx, db)
	require.NoError(t, err)
	require.NotEmpty(t, next)
	_, err = ah.Hubs().OrderBy(ah.ByValue("n", ah.KindInt)).After(next).Find(ctx, db)
	assert.ErrorIs(t, err, ah.ErrInvalidQuery)
	assert.ErrorContains(t, err, "order")
}

// pageAll pages through q with pages of size n and returns the hub ids;
// after each page it calls between.
func pageAll(t *testing.T, ctx context.Context, db *gorm.DB, q ah.Query, n int, between func()) []string {
	var all []string
	var cur ah.Cursor
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10_000, "paging does not end")
		hubs, next, err := q.Limit(n).After(cur).Page(ctx, db)
		require.NoError(t, err)
		all = append(all, ids(hubs)...)
		if next == "" {
			return all
		}
		cur = next
		between()
	}
}

func TestHubsPageConcurrentInserts(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	const n = 300
	want := map[string]bool{}
	for i := range n {
		id := fmt.Sprintf("h%04d", i*2)
		h, err := ah.Create(ctx, db, "doc", id)
		require.NoError(t, err)
		attrs := map[string]any{"rank": i % 7}
		if i%5 == 0 {
			attrs = map[string]any{} // no rank: sorts last
		}
		if i%11 == 0 {
			attrs = map[string]any{"rank": nil}
		}
		if len(attrs) > 0 {
			require.NoError(t, h.SetAttributes(ctx, attrs))
		}
		want[id] = true
	}
	orders := []struct {
		name string
		o    ah.Order
	}{
		{"id", ah.ByID()},
		{"rank asc", ah.ByValue("rank", ah.KindInt)},
		{"rank desc", ah.ByValue("rank", ah.KindInt).Desc()},
	}
	for k, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			// Another goroutine inserts hubs, with ids between the existing
			// ones and ranks all along the order, while we page; each page
			// waits for three more inserts, so inserts and pages interleave
			// from the first page to the last.
			const inserts = 150
			done := make(chan string, inserts)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(done)
				for i := range inserts {
					id := fmt.Sprintf("h%04d-%d", (i*4+1)%(2*n), k)
					h, err := ah.Create(ctx, db, "doc", id)
					if !assert.NoError(t, err) {
						return
					}
					if !assert.NoError(t, h.SetAttribute(ctx, "rank", i%9-1)) {
						return
					}
					done <- id
				}
			}()
			inserted := 0
			got := pageAll(t, ctx, db, ah.Hubs("doc").OrderBy(o.o), 7, func() {
				for range 3 {
					if _, ok := <-done; ok {
						inserted++
					}
				}
			})
			wg.Wait()
			seen := map[string]int{}
			for _, id := range got {
				seen[id]++
			}
			for id, c := range seen {
				assert.Equal(t, 1, c, "hub %s returned %d times", id, c)
			}
			for id := range want {
				assert.Contains(t, seen, id, "hub %s (present throughout) was skipped", id)
			}
			assert.Greater(t, inserted, 30, "inserts happened while paging")
			t.Logf("%d hubs paged, %d inserted while paging", len(got), inserted)
		})
	}
}

func TestFindAttributes(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	seedQueryHubs(t, db)
	w := ah.Where
	type row struct{ hub, name string }
	cases := []struct {
		name  string
		f     ah.Filter
		types []string
		want  []row
	}{
		{"by value across hubs and types", w("priority").Gte(3), nil, []row{{"b1", "priority"}, {"t2", "priority"}, {"t3", "priority"}}},
		{"one type", w("priority").Gte(3), []string{"task"}, []row{{"t2", "priority"}, {"t3", "priority"}}},
		{"or of names", ah.Or(w("priority").Eq(1), w("score").Exists()), nil, []row{{"b1", "score"}, {"t1", "priority"}}},
		{"and of two names matches no row", ah.And(w("priority").Eq(1), w("title").Exists()), nil, nil},
		{"stored nil", w("note").IsNull(), nil, []row{{"t2", "note"}}},
		{"text", w("title").IHasPrefix("fix"), nil, []row{{"b1", "title"}, {"t1", "title"}, {"t2", "title"}}},
		{"json", w("addr").Path("city").Eq("Paris"), nil, []row{{"t1", "addr"}}},
		{"not", ah.And(w("priority").Exists(), ah.Not(w("priority").Gte(3))), []string{"task"}, []row{{"t1", "priority"}, {"t4", "priority"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := ah.FindAttributes(ctx, db, c.f, c.types...)
			require.NoError(t, err)
			var got []row
			for _, r := range rows {
				got = append(got, row{r.Hub.ID, r.Name})
			}
			assert.Equal(t, c.want, got)
		})
	}
	rows, err := ah.FindAttributes(ctx, db, w("priority").Eq(5))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, int64(5), rows[0].Value)
	assert.Equal(t, "task", rows[0].Hub.Type)
	v, ok, err := rows[0].Hub.GetAttribute(ctx, "title")
	require.NoError(t, err)
	assert.True(t, ok, "the hub is bound to the DB")
	assert.Equal(t, "Write docs", v)

	_, err = ah.FindAttributes(ctx, db, nil)
	assert.ErrorIs(t, err, ah.ErrInvalidQuery)
	_, err = ah.FindAttributes(ctx, db, w("p").In(1, "x"))
	assert.ErrorIs(t, err, ah.ErrInvalidQuery)

	// A hub's attributes narrowed by value.
	h, err := ah.Get(ctx, db, "task", "t1")
	require.NoError(t, err)
	m, err := h.AttributesWhere(ctx, ah.Or(w("priority").Lt(2), w("tags").JSONContains([]string{"x"}), w("due").IsNull()))
	require.NoError(t, err)
	assert.Equal(t, []string{"priority", "tags"}, sortedKeys(m))
	m, err = h.AttributesWhere(ctx, ah.Not(w("title").Exists()))
	require.NoError(t, err)
	assert.Equal(t, []string{"addr", "due", "priority", "tags"}, sortedKeys(m))
	_, err = (&ah.Hub{}).AttributesWhere(ctx, w("a").Exists())
	assert.ErrorIs(t, err, ah.ErrInvalidHub)
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestQueryOneStatement: Find, Page and Count each send one statement.
func TestQueryOneStatement(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	seedQueryHubs(t, db)
	n := countStatements(t, db)
	q := ah.Hubs("task").Where(ah.Or(ah.Where("priority").Gt(1), ah.Where("title").Contains("doc"))).
		OrderBy(ah.ByValue("priority", ah.KindInt))
	_, err := q.Find(ctx, db)
	require.NoError(t, err)
	_, _, err = q.Limit(1).Page(ctx, db)
	require.NoError(t, err)
	_, err = q.Count(ctx, db)
	require.NoError(t, err)
	_, err = ah.FindAttributes(ctx, db, ah.Where("priority").Gt(1))
	require.NoError(t, err)
	assert.Equal(t, int64(4), n.Load())
}
