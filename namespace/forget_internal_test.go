package namespace

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/nscache"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// TestDropForgetsNamespace: a Drop that ran tells the packages that cache
// statements per namespace (nscache) to forget the namespace; a dry run
// does not.
func TestDropForgetsNamespace(t *testing.T) {
	t.Parallel()
	const ns = "acme__forgotten"
	var mu sync.Mutex
	var forgotten []string
	nscache.OnForget(func(name string) {
		mu.Lock()
		defer mu.Unlock()
		forgotten = append(forgotten, name)
	})
	heard := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(forgotten, ns)
	}
	ctx := context.Background()
	m, err := NewManager(ctx, testdb.New(t).DSN)
	require.NoError(t, err)
	defer m.Close()
	_, err = m.Install(ctx, Plugin{Name: "p", CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite}})
	require.NoError(t, err)

	_, err = m.Drop(ctx, ns, DestructiveOptions{})
	require.NoError(t, err)
	assert.False(t, heard(), "a dry run forgets nothing")
	_, err = m.Drop(ctx, ns, DestructiveOptions{Apply: true})
	require.NoError(t, err)
	assert.True(t, heard(), "a Drop that ran forgets the namespace")
}
