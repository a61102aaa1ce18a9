package attributehub_test

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// cookbookDB gives the cookbook examples a namespace in a fresh database
// (a plugin uses its handle's DB(ctx) instead), holding five task hubs, and
// a function that drops the database.
func cookbookDB() (*gorm.DB, func()) {
	ctx := context.Background()
	d, err := testdb.Create(ctx, testdb.Config{})
	if err != nil {
		panic(err)
	}
	const ns = "acme__cookbook"
	for _, s := range append([]string{"CREATE SCHEMA " + sqlident.Quote(ns)}, systables.DDL(ns)...) {
		if err := d.DB.Exec(s).Error; err != nil {
			panic(err)
		}
	}
	sqlDB, err := d.DB.DB()
	if err != nil {
		panic(err)
	}
	db, err := scope.Open(sqlDB, ns, scope.Options{})
	if err != nil {
		panic(err)
	}
	tasks := []map[string]any{
		{"priority": 1, "status": "open", "title": "Renew 100% of prescriptions", "owner": map[string]any{"team": "billing", "on_call": true}},
		{"priority": 5, "status": "blocked", "title": "renew insurance card", "owner": map[string]any{"team": "front desk"}},
		{"priority": 3, "status": "open", "title": "Call back", "labels": []string{"urgent"}},
		{"priority": 4, "status": "done", "title": "File labs", "archived": nil},
		{"status": "open", "title": "Triage"},
	}
	for i, attrs := range tasks {
		h, err := attributehub.Create(ctx, db, "task", fmt.Sprintf("task:%d", i+1))
		if err != nil {
			panic(err)
		}
		if err := h.SetAttributes(ctx, attrs); err != nil {
			panic(err)
		}
	}
	return db, func() {
		if err := d.Drop(context.Background()); err != nil {
			panic(err)
		}
	}
}

func printHubs(hubs []*attributehub.Hub, err error) {
	if err != nil {
		panic(err)
	}
	ids := make([]string, len(hubs))
	for i, h := range hubs {
		ids[i] = h.ID
	}
	fmt.Println(strings.Join(ids, " "))
}

// Filters combine with And (also Where's own list), Or and Not; the order
// can be an attribute's value, and Limit and Offset slice the result.
func ExampleHubs() {
	db, drop := cookbookDB()
	defer drop()
	ctx := context.Background()
	w := attributehub.Where

	// priority >= 3 AND status IN ('open', 'blocked')
	printHubs(attributehub.Hubs("task").Where(w("priority").Gte(3), w("status").In("open", "blocked")).Find(ctx, db))
	// status = 'blocked' OR NOT priority > 1 (hubs without a priority too)
	printHubs(attributehub.Hubs("task").Where(attributehub.Or(w("status").Eq("blocked"), attributehub.Not(w("priority").Gt(1)))).Find(ctx, db))
	// the two most urgent: by priority, highest first; no priority sorts last
	printHubs(attributehub.Hubs("task").OrderBy(attributehub.ByValue("priority", attributehub.KindInt).Desc()).Limit(2).Find(ctx, db))
	// every type of hub, skipping the first three by id
	printHubs(attributehub.Hubs().Offset(3).Find(ctx, db))
	// Output:
	// task:2 task:3
	// task:1 task:2 task:5
	// task:2 task:4
	// task:4 task:5
}

// Text: Contains and HasPrefix take the text literally (% and _ are not
// wildcards); the I variants ignore case.
func ExampleField_Contains() {
	db, drop := cookbookDB()
	defer drop()
	ctx := context.Background()
	w := attributehub.Where
	printHubs(attributehub.Hubs("task").Where(w("title").Contains("100%")).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("title").HasPrefix("Renew")).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("title").IHasPrefix("renew")).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("title").IContains("CARD")).Find(ctx, db))
	// Output:
	// task:1
	// task:1
	// task:1 task:2
	// task:2
}

// JSON values: containment, top-level keys, and a key path compared as
// JSON.
func ExampleField_Path() {
	db, drop := cookbookDB()
	defer drop()
	ctx := context.Background()
	w := attributehub.Where
	printHubs(attributehub.Hubs("task").Where(w("owner").Path("team").Eq("billing")).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("owner").Path("team").In("billing", "front desk")).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("owner").HasKey("on_call")).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("labels").JSONContains([]string{"urgent"})).Find(ctx, db))
	// Output:
	// task:1
	// task:1 task:2
	// task:1
	// task:3
}

// IsNull: the attribute is missing or stored as nil; Exists: it is there,
// nil included; Eq(nil): it is there and nil.
func ExampleField_IsNull() {
	db, drop := cookbookDB()
	defer drop()
	ctx := context.Background()
	w := attributehub.Where
	printHubs(attributehub.Hubs("task").Where(w("archived").IsNull(), w("priority").Exists()).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("archived").Exists()).Find(ctx, db))
	printHubs(attributehub.Hubs("task").Where(w("archived").Eq(nil)).Find(ctx, db))
	// Output:
	// task:1 task:2 task:3 task:4
	// task:4
	// task:4
}

// Keyset pagination: each Page returns a cursor for the next; pages never
// repeat or skip a hub, even while others are inserted.
func ExampleQuery_Page() {
	db, drop := cookbookDB()
	defer drop()
	ctx := context.Background()
	q := attributehub.Hubs("task").OrderBy(attributehub.ByValue("priority", attributehub.KindInt)).Limit(2)
	var cursor attributehub.Cursor
	for {
		hubs, next, err := q.After(cursor).Page(ctx, db)
		printHubs(hubs, err)
		if next == "" {
			break
		}
		cursor = next // an opaque string: hand it to a client, take it back
	}
	n, err := q.Count(ctx, db)
	fmt.Println(n, err)
	// Output:
	// task:1 task:3
	// task:4 task:2
	// task:5
	// 5 <nil>
}

// Attribute rows across hubs (CustomAttribute.objects.filter), and one
// hub's attributes narrowed by value (hub.custom_attributes.filter).
func ExampleFindAttributes() {
	db, drop := cookbookDB()
	defer drop()
	ctx := context.Background()
	w := attributehub.Where
	rows, err := attributehub.FindAttributes(ctx, db, attributehub.Or(w("priority").Gte(4), w("archived").IsNull()), "task")
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Println(r.Hub.Type, r.Hub.ID, r.Name, r.Value)
	}
	hub, err := attributehub.Get(ctx, db, "task", "task:1")
	if err != nil {
		panic(err)
	}
	m, err := hub.AttributesWhere(ctx, attributehub.Or(w("title").HasPrefix("Renew"), w("priority").Lt(2)))
	fmt.Println(m, err)
	// Output:
	// task task:2 priority 5
	// task task:4 archived <nil>
	// task task:4 priority 4
	// map[priority:1 title:Renew 100% of prescriptions] <nil>
}
