package attributehub_test

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm/clause"

	"github.com/canvas-sdk-go/customdata/attributehub"
)

// customAttribute is a plain GORM model of the table: the naive baseline.
type customAttribute struct {
	HubID        int64  `gorm:"primaryKey"`
	Name         string `gorm:"primaryKey"`
	TextValue    *string
	IntValue     *int64
	DecimalValue *string
	BoolValue    *bool
	JSONValue    *string `gorm:"column:json_value"`
}

func (customAttribute) TableName() string { return testNS + ".custom_attribute" }

// BenchmarkSet compares this package's writes with a naive GORM upsert loop
// (one INSERT ... ON CONFLICT per attribute) in the same run.
func BenchmarkSet(b *testing.B) {
	db, _ := newDB(b)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "bench", "h")
	if err != nil {
		b.Fatal(err)
	}
	hundred := map[string]any{}
	for i := range 100 {
		hundred[fmt.Sprintf("k%03d", i)] = i
	}
	naive := func(n int) error {
		for i := range n {
			v := int64(i)
			row := customAttribute{HubID: h.DBID, Name: fmt.Sprintf("k%03d", i), IntValue: &v}
			err := db.WithContext(ctx).Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "hub_id"}, {Name: "name"}},
				UpdateAll: true,
			}).Create(&row).Error
			if err != nil {
				return err
			}
		}
		return nil
	}
	b.Run("SetAttribute", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := h.SetAttribute(ctx, "k000", i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("naive_GORM_upsert_1", func(b *testing.B) {
		for b.Loop() {
			if err := naive(1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SetAttributes_100", func(b *testing.B) {
		for b.Loop() {
			if err := h.SetAttributes(ctx, hundred); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("naive_GORM_upsert_loop_100", func(b *testing.B) {
		for b.Loop() {
			if err := naive(100); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Attributes_100", func(b *testing.B) {
		for b.Loop() {
			if _, err := h.Attributes(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
