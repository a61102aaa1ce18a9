package namespace

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerdictCacheRemembersOnlyClean(t *testing.T) {
	c := &verdictCache{}
	for range 2 {
		assert.False(t, c.changes("SELECT 1", false))
		assert.True(t, c.changes("SET search_path = x", false))
	}
	assert.Len(t, c.clean[0], 1, "only the clean statement is remembered")

	// Clean where a backslash escapes a quote, a SET where it does not:
	// each quoting mode keeps its own verdicts.
	q := `SELECT 'a\'; SET search_path = x; --'`
	assert.False(t, c.changes(q, true))
	assert.True(t, c.changes(q, false))
	assert.False(t, c.changes(q, true))
}

func TestVerdictCacheIsBounded(t *testing.T) {
	c := &verdictCache{}
	for i := range maxClean + 10 {
		require.False(t, c.changes("SELECT "+strconv.Itoa(i), false))
	}
	assert.Equal(t, maxClean, c.n)
	assert.Len(t, c.clean[0], maxClean)
	assert.False(t, c.changes("SELECT "+strconv.Itoa(maxClean+5), false), "past the bound, statements are still scanned")
	long := "SELECT 1" + string(make([]byte, maxCleanLen))
	assert.True(t, c.changes(long+"; SET x = 1", false), "too long to remember, still scanned")
}
