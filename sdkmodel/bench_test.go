package sdkmodel_test

import (
	"reflect"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// standalone is a custom model with no link: the baseline of a first parse.
type standalone struct {
	custommodel.CustomModel
	Name  string
	Count int32
}

// BenchmarkFirstParse measures what GORM pays the first time a *gorm.DB
// meets a model (a fresh cache each time): a custom model without links
// (the baseline), a custom model linked to Note, and every SDK model in
// turn. GORM parses a type and every type it references, so the first use
// of any linked SDK model parses the whole connected graph once; later
// uses hit the cache. It reports the types parsed.
func BenchmarkFirstParse(b *testing.B) {
	cases := []struct {
		name  string
		model any
	}{
		{"baseline-custom-model-no-links", &standalone{}},
		{"custom-model-linked-to-Note", &VisitReview{}},
		{"Patient", &sdkmodel.Patient{}},
		{"all-207-models", nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var types int
			cpu0 := cpuTime()
			for b.Loop() {
				cache := &sync.Map{}
				models := []any{c.model}
				if c.model == nil {
					models = sdkmodel.Models()
				}
				for _, m := range models {
					if _, err := schema.Parse(m, cache, schema.NamingStrategy{}); err != nil {
						b.Fatal(err)
					}
				}
				types = 0
				cache.Range(func(k, _ any) bool {
					if _, ok := k.(reflect.Type); ok {
						types++
					}
					return true
				})
			}
			b.ReportMetric(float64(types), "types")
			// CPU time, beside wall time: on a busy machine ns/op counts
			// the waits for a core too.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkCachedParse is a later use of a model: a cache hit.
func BenchmarkCachedParse(b *testing.B) {
	cache := &sync.Map{}
	if _, err := schema.Parse(&sdkmodel.Patient{}, cache, schema.NamingStrategy{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := schema.Parse(&sdkmodel.Note{}, cache, schema.NamingStrategy{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateFixtureTablesOnClone is CreateFixtureTables on a database
// cloned from the fixture's template (one query finds the tables), beside
// a bare round trip as the baseline.
func BenchmarkCreateFixtureTablesOnClone(b *testing.B) {
	ctx := b.Context()
	d := testdb.NewFixture(b)
	b.Run("baseline-select-1", func(b *testing.B) {
		for b.Loop() {
			if err := d.DB.WithContext(ctx).Exec("SELECT 1").Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("create-fixture-tables", func(b *testing.B) {
		for b.Loop() {
			if err := sdkmodel.CreateFixtureTables(ctx, d.DB); err != nil {
				b.Fatal(err)
			}
		}
	})
}
