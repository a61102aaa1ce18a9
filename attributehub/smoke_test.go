package attributehub_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
)

func TestSmoke(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	h, err := attributehub.Create(ctx, db, "note_state", "note:1")
	require.NoError(t, err)
	require.NoError(t, h.SetAttribute(ctx, "n", 5))
	v, ok, err := h.GetAttribute(ctx, "n")
	require.NoError(t, err)
	t.Log(v, ok)
	require.NoError(t, h.SetAttributes(ctx, map[string]any{"a": "x", "b": 1.5, "c": map[string]any{"k": 1}}))
	m, err := h.Attributes(ctx)
	require.NoError(t, err)
	t.Logf("%#v", m)
}
