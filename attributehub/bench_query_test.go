package attributehub_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	ah "github.com/canvas-sdk-go/customdata/attributehub"
)

// BenchmarkDeepPage reads 20 hubs 50,000 hubs deep into 100,000, by keyset
// (After a cursor) and, as the baseline, by Offset, in the same run; and
// the same with the hubs ordered by an attribute's value.
func BenchmarkDeepPage(b *testing.B) {
	db, admin := newDB(b)
	seedLargeTB(b, admin)
	ctx := context.Background()
	for _, o := range []struct {
		name string
		q    ah.Query
	}{
		{"by id", ah.Hubs("type1")},
		{"by value", ah.Hubs("type1").OrderBy(ah.ByValue("priority", ah.KindInt))},
	} {
		// The cursor of the hub before the 5,000th of type1 (50,000 deep).
		_, cur, err := o.q.Limit(4_999).Page(ctx, db)
		require.NoError(b, err)
		b.Run(o.name+"/keyset", func(b *testing.B) {
			for b.Loop() {
				hubs, _, err := o.q.Limit(20).After(cur).Page(ctx, db)
				if err != nil || len(hubs) != 20 {
					b.Fatal(err, len(hubs))
				}
			}
		})
		b.Run(o.name+"/offset (baseline)", func(b *testing.B) {
			for b.Loop() {
				hubs, err := o.q.Limit(20).Offset(4_999).Find(ctx, db)
				if err != nil || len(hubs) != 20 {
					b.Fatal(err, len(hubs))
				}
			}
		})
	}
}
