package attributehub_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/civil"
)

// customAttribute is a plain GORM model of the table, the naive baseline:
// it has every value column, so that its upsert (UpdateAll) clears the
// other columns as SetAttribute does.
type customAttribute struct {
	HubID          int64  `gorm:"primaryKey"`
	Name           string `gorm:"primaryKey"`
	TextValue      *string
	IntValue       *int64
	DecimalValue   *string
	BoolValue      *bool
	DateValue      *civil.Date
	TimestampValue *time.Time
	JSONValue      *string `gorm:"column:json_value"`
}

func (customAttribute) TableName() string { return testNS + ".custom_attribute" }

// naiveSetInt is the baseline's write: one GORM upsert of the whole row.
func naiveSetInt(ctx context.Context, db *gorm.DB, hubID int64, name string, v int64) error {
	row := customAttribute{HubID: hubID, Name: name, IntValue: &v}
	return db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "hub_id"}, {Name: "name"}},
		UpdateAll: true,
	}).Create(&row).Error
}

// TestNaiveBaselineClearsLikeSetAttribute: the baseline does the same work
// as SetAttribute: a new value clears every other value column.
func TestNaiveBaselineClearsLikeSetAttribute(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "bench", "h")
	require.NoError(t, err)
	for _, old := range []any{"text", 1.5, true, civil.Date{Year: 2026, Month: 1, Day: 2}, time.Now(), map[string]int{"a": 1}} {
		require.NoError(t, h.SetAttribute(ctx, "k", old))
		require.NoError(t, naiveSetInt(ctx, db, h.DBID, "k", 7))
		var others int64
		require.NoError(t, admin.Raw(`SELECT num_nonnulls(text_value, decimal_value, bool_value, date_value, timestamp_value, json_value)
			FROM acme__hub_test.custom_attribute WHERE hub_id = ? AND name = 'k'`, h.DBID).Scan(&others).Error)
		assert.Zero(t, others, "after %T, the naive upsert clears the other columns", old)
	}
}

// BenchmarkSet compares this package's writes with a naive GORM upsert loop
// (one INSERT ... ON CONFLICT per attribute) in the same run.
func BenchmarkSet(b *testing.B) {
	db, _ := newDB(b)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "bench", "h")
	if err != nil {
		b.Fatal(err)
	}
	// Two sets of 100 values, used in turn, so every SetAttributes call
	// changes every row, as the naive loop does.
	hundred := [2]map[string]any{{}, {}}
	for i := range 100 {
		hundred[0][fmt.Sprintf("k%03d", i)] = i
		hundred[1][fmt.Sprintf("k%03d", i)] = i + 1
	}
	// naive writes base+i: like SetAttribute's loop below, each call stores
	// a new value, so neither side gets PostgreSQL's cheaper HOT update of
	// an unchanged indexed column.
	naive := func(n, base int) error {
		for i := range n {
			if err := naiveSetInt(ctx, db, h.DBID, fmt.Sprintf("k%03d", i), int64(base+i)); err != nil {
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
		for i := 0; b.Loop(); i++ {
			if err := naive(1, i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SetAttributes_100", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := h.SetAttributes(ctx, hundred[i%2]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("naive_GORM_upsert_loop_100", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := naive(100, i); err != nil {
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
