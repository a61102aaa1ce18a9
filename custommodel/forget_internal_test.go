package custommodel

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/nscache"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// forgetRoom is a model only TestDroppedNamespaceStatementsGo uses.
type forgetRoom struct {
	CustomModel
	Name string `gorm:"uniqueIndex"`
}

// TestDroppedNamespaceStatementsGo: once a namespace is dropped in this
// process (nscache.Forget, which Manager.Drop calls), the statements built
// for it go; those of other namespaces stay.
func TestDroppedNamespaceStatementsGo(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	built := func(ns string) int {
		fm := fastModelOf[forgetRoom](d.Scoped(t, ns))
		fm.mu.RLock()
		defer fm.mu.RUnlock()
		n := 0
		for k := range fm.stmts {
			if k.ns == ns {
				n++
			}
		}
		return n
	}
	for _, ns := range []string{"acme__forget_a", "acme__forget_b"} {
		db := d.Scoped(t, ns)
		fc, ok := fastPrepare(ctx, db, Lookup{"name": "x"}, &forgetRoom{}, new(forgetRoom))
		require.True(t, ok, ns)
		require.NotNil(t, fc.stmt(opGetOrCreate))
		require.NotNil(t, fc.stmt(opSelect))
		require.Equal(t, 2, built(ns), ns)
	}
	nscache.Forget("acme__forget_a")
	assert.Zero(t, built("acme__forget_a"))
	assert.Equal(t, 2, built("acme__forget_b"))
}
