package attributehub

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/canvas-sdk-go/customdata/internal/nscache"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
)

// TestDroppedNamespaceStatementsGo: once a namespace is dropped in this
// process (nscache.Forget, which Manager.Drop calls), its statements leave
// the cache; those of other namespaces stay.
func TestDroppedNamespaceStatementsGo(t *testing.T) {
	t.Parallel()
	attr := func(ns string) string { return sqlident.Quote(ns, systables.CustomAttribute) }
	for _, ns := range []string{"acme__forget_a", "acme__forget_b"} {
		queriesFor(sqlident.Quote(ns, systables.AttributeHub), attr(ns))
	}
	nscache.Forget("acme__forget_a")
	_, a := queryCache.Load(attr("acme__forget_a"))
	_, b := queryCache.Load(attr("acme__forget_b"))
	assert.False(t, a, "the dropped namespace's statements")
	assert.True(t, b, "another namespace's statements")
}
