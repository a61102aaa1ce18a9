package attributehub_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/internal/scope"
)

// TestNilDB: every function that takes a *gorm.DB reports a nil one as a
// nil DB (ErrNilDB), not as a DB unbound to a namespace, and never panics.
func TestNilDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := attributehub.Hubs("task").Where(attributehub.Where("priority").Gt(3)).Limit(10)
	cases := []struct {
		name string
		call func() error
	}{
		{"Create", func() error { _, err := attributehub.Create(ctx, nil, "task", "1"); return err }},
		{"Get", func() error { _, err := attributehub.Get(ctx, nil, "task", "1"); return err }},
		{"GetOrCreate", func() error { _, _, err := attributehub.GetOrCreate(ctx, nil, "task", "1"); return err }},
		{"Delete", func() error { return attributehub.Delete(ctx, nil, "task", "1") }},
		{"Create with an invalid hub too", func() error { _, err := attributehub.Create(ctx, nil, "", ""); return err }},
		{"List", func() error { _, err := attributehub.List(ctx, nil, "task"); return err }},
		{"Find", func() error { _, err := attributehub.Find(ctx, nil, "task"); return err }},
		{"FindAttributes", func() error {
			_, err := attributehub.FindAttributes(ctx, nil, attributehub.Where("priority").Gt(3), "task")
			return err
		}},
		{"ListWithAttributes", func() error {
			_, err := attributehub.ListWithAttributes(ctx, nil, "task", attributehub.LoadOptions{})
			return err
		}},
		{"Load", func() error { _, err := attributehub.Load(ctx, nil, nil, attributehub.LoadOptions{}); return err }},
		{"Query.SQL", func() error { _, _, err := q.SQL(nil); return err }},
		{"Query.Find", func() error { _, err := q.Find(ctx, nil); return err }},
		{"Query.Page", func() error { _, _, err := q.Page(ctx, nil); return err }},
		{"Query.Count", func() error { _, err := q.Count(ctx, nil); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = c.call() })
			require.ErrorIs(t, err, attributehub.ErrNilDB)
			assert.NotErrorIs(t, err, scope.ErrNotScoped)
			assert.ErrorContains(t, err, "attributehub: nil *gorm.DB")
		})
	}
}
