package attributehub_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
)

// The column a Go value is stored in.
func ExampleKindOf() {
	for _, v := range []any{
		"hello", 42, uint8(7), 2.5, decimal.RequireFromString("19.99"), true,
		civil.Date{Year: 2026, Month: 11, Day: 25}, time.Now(), map[string]any{"k": 1}, nil,
	} {
		k, _ := attributehub.KindOf(v)
		fmt.Printf("%T -> %s (%s)\n", v, k, k.Column())
	}
	_, err := attributehub.KindOf(1.0 / 3)
	fmt.Println(err)
	// Output:
	// string -> text (text_value)
	// int -> int (int_value)
	// uint8 -> int (int_value)
	// float64 -> decimal (decimal_value)
	// decimal.Decimal -> decimal (decimal_value)
	// bool -> bool (bool_value)
	// civil.Date -> date (date_value)
	// time.Time -> timestamp (timestamp_value)
	// map[string]interface {} -> json (json_value)
	// <nil> -> nil ()
	// attributehub: invalid attribute value: 0.3333333333333333 has more than 10 digits after the decimal point; the decimal column (numeric(20,10)) would round it: round it first (decimal.Round(10))
}

// Conditions compare on the column the operand's Go type selects.
func ExampleWhere() {
	fmt.Println(attributehub.Where("priority").Gt(3))
	fmt.Println(attributehub.Where("due").Lte(civil.Date{Year: 2026, Month: 6, Day: 1}))
	fmt.Println(attributehub.Where("status").In("open", "blocked"))
	fmt.Println(attributehub.Where("archived_at").Eq(nil))
	fmt.Println(attributehub.Where("priority").In(1, "2").Err())
	// Output:
	// priority > 3 (int_value)
	// due <= 2026-06-01 (date_value)
	// status in (open, blocked) (text_value)
	// archived_at is nil
	// attributehub: invalid query: Where("priority").In mixes int and text values; an attribute is compared on one typed column
}

// A typed read from a loaded map; a mismatch is an error, not a panic.
func ExampleValue() {
	values := map[string]any{"count": int64(300), "label": "x"}
	n, ok, err := attributehub.Value[int](values, "count")
	fmt.Println(n, ok, err)
	_, _, err = attributehub.Value[int8](values, "count")
	fmt.Println(err)
	_, ok, err = attributehub.Value[string](values, "missing")
	fmt.Println(ok, err)
	// Output:
	// 300 true <nil>
	// attributehub: attribute "count" holds an int value; cannot read it as int8: 300 is out of int8's range
	// false <nil>
}

var db *gorm.DB // a namespace handle's DB(ctx)

// The quick start's AttributeHub, in Go.
func ExampleGetOrCreate() {
	ctx := context.Background()
	hub, _, err := attributehub.GetOrCreate(ctx, db, "note_state", "note:89992c23")
	if err != nil {
		panic(err)
	}
	if err := hub.SetAttribute(ctx, "tagged_by", "hello-custom-data"); err != nil {
		panic(err)
	}
	by, _, err := attributehub.Attribute[string](ctx, hub, "tagged_by")
	if err != nil {
		panic(err)
	}
	fmt.Println("Note tagged by:", by)
}

// Many attributes in one statement, then all of them in one query.
func ExampleHub_SetAttributes() {
	ctx := context.Background()
	hub, _, err := attributehub.GetOrCreate(ctx, db, "patient_prefs", "patient:42")
	if err != nil {
		panic(err)
	}
	err = hub.SetAttributes(ctx, map[string]any{
		"language":    "fr",
		"reminders":   true,
		"last_visit":  civil.Date{Year: 2026, Month: 3, Day: 2},
		"preferences": map[string]any{"channel": "sms"},
	})
	if err != nil {
		panic(err)
	}
	all, err := hub.Attributes(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(all["language"], all["reminders"])
}

// Hubs by attribute value, then their attributes in one more query.
func ExampleFind() {
	ctx := context.Background()
	hubs, err := attributehub.Find(ctx, db, "task",
		attributehub.Where("priority").Gte(3),
		attributehub.Where("status").In("open", "blocked"))
	if err != nil {
		panic(err)
	}
	loaded, err := attributehub.Load(ctx, db, hubs, attributehub.LoadOptions{Only: []string{"title"}})
	if err != nil {
		panic(err)
	}
	for _, h := range loaded {
		title, _, _ := attributehub.Value[string](h.Values, "title")
		fmt.Println(h.ID, title)
	}
}
