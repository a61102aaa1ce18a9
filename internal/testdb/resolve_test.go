package testdb

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgcluster"
	"github.com/canvas-sdk-go/customdata/pgdiscover"
)

func TestServerDSNNamesSource(t *testing.T) {
	t.Parallel()
	dsn, source, err := ServerDSN(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, dsn)
	assert.Contains(t, []string{string(pgdiscover.FromEnv), string(pgdiscover.FromEphemeral), string(pgdiscover.FromLocalhost)}, source)
	if _, berr := pgcluster.FindBinDir(""); berr == nil && getenv("DATABASE_URL") == "" && getenv(NoEphemeralEnv) == "" {
		assert.Equal(t, string(pgdiscover.FromEphemeral), source, "with local binaries and no DATABASE_URL the tests use a throwaway cluster")
	}
}
