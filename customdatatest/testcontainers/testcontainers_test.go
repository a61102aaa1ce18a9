package testcontainers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tc "github.com/testcontainers/testcontainers-go"
)

// dockerAnswers reports whether a container engine is reachable.
func dockerAnswers() bool { return dockerHealthy(context.Background()) == nil }

func TestStartWithoutDockerFailsClearly(t *testing.T) {
	if dockerAnswers() {
		t.Skip("Docker is running here; TestStartRunsPostgres covers this machine")
	}
	type result struct {
		dsn       string
		terminate func()
		err       error
	}
	done := make(chan result, 1)
	go func() {
		dsn, terminate, err := Start(context.Background())
		done <- result{dsn, terminate, err}
	}()
	select {
	case r := <-done:
		require.Error(t, r.err)
		assert.True(t, errors.Is(r.err, ErrNoDocker), "error %q does not wrap ErrNoDocker", r.err)
		assert.Contains(t, r.err.Error(), "Docker")
		assert.Contains(t, r.err.Error(), "DATABASE_URL", "the error points at the alternatives")
		assert.Empty(t, r.dsn)
		assert.Nil(t, r.terminate)
	case <-time.After(30 * time.Second): // a bound on a hang, not a speed check
		t.Fatal("Start without Docker did not return within 30 s")
	}
}

func TestStartRunsPostgres(t *testing.T) {
	tc.SkipIfProviderIsNotHealthy(t)
	ctx := context.Background()
	dsn, terminate, err := Start(ctx)
	require.NoError(t, err)
	t.Cleanup(terminate)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var version int
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version))
	assert.GreaterOrEqual(t, version, 150000)
}
