package customdata_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/customdatatest"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// TestReadmeHubQuery runs the README's hub query against a namespace.
func TestReadmeHubQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := customdatatest.Install(t, namespace.Plugin{
		Name:       "readme_tasks",
		CustomData: manifest.CustomData{Namespace: "acme__readme_tasks", Access: manifest.ReadWrite},
	})
	h := p.Handle
	tasks := []map[string]any{
		{"priority": 5, "status": "open", "title": "Call back"},
		{"priority": 4, "status": "done", "title": "Renew card"},
		{"priority": 3, "status": "done", "title": "File labs"},
		{"priority": 1, "status": "open", "title": "Triage"},
	}
	for i, attrs := range tasks {
		hub, err := attributehub.Create(ctx, h.DB(ctx), "task", fmt.Sprintf("task:%d", i+1))
		require.NoError(t, err)
		require.NoError(t, hub.SetAttributes(ctx, attrs))
	}

	w := attributehub.Where
	hubs, err := attributehub.Hubs("task").
		Where(w("priority").Gte(3), attributehub.Or(w("status").Eq("open"), w("title").IHasPrefix("renew"))).
		OrderBy(attributehub.ByValue("priority", attributehub.KindInt).Desc()).
		Limit(20).
		Find(ctx, h.DB(ctx))
	require.NoError(t, err)
	ids := make([]string, len(hubs))
	for i, hub := range hubs {
		ids[i] = hub.ID
	}
	assert.Equal(t, []string{"task:1", "task:2"}, ids)
}

// TestMain stops the throwaway PostgreSQL cluster when the tests end.
func TestMain(m *testing.M) { customdatatest.Main(m) }
