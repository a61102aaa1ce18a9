package testdb

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgcluster"
)

// unreachableDSN points at a port nothing listens on.
const unreachableDSN = "postgres://postgres:secret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5"

func TestResolveOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A server known to answer: whichever this process resolved. It stands
	// in for each source in turn, so the test does not need port 5432.
	srv, err := server(ctx)
	require.NoError(t, err)
	live := srv.dsn

	mustNotStart := func(t *testing.T) func(context.Context) (string, func() error, error) {
		return func(context.Context) (string, func() error, error) {
			t.Error("the ephemeral cluster was started, but should not have been")
			return "", nil, errors.New("not expected")
		}
	}
	startsLive := func(context.Context) (string, func() error, error) { return live, func() error { return nil }, nil }
	startFails := func(context.Context) (string, func() error, error) { return "", nil, errors.New("no binaries here") }
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

	cases := []struct {
		name       string
		env        map[string]string
		start      func(t *testing.T) func(context.Context) (string, func() error, error)
		local      string
		wantSource string
		wantErr    []string
	}{
		{name: "DATABASE_URL wins", env: map[string]string{"DATABASE_URL": live}, start: mustNotStart, local: unreachableDSN,
			wantSource: sourceEnv},
		{name: "ephemeral before localhost", start: func(*testing.T) func(context.Context) (string, func() error, error) { return startsLive },
			local: unreachableDSN, wantSource: sourceEphemeral},
		{name: "no-ephemeral env falls back to localhost", env: map[string]string{NoEphemeralEnv: "1"}, start: mustNotStart,
			local: live, wantSource: sourceLocal},
		{name: "failed ephemeral falls back to localhost", start: func(*testing.T) func(context.Context) (string, func() error, error) { return startFails },
			local: live, wantSource: sourceLocal},
		{name: "unreachable DATABASE_URL is an error", env: map[string]string{"DATABASE_URL": unreachableDSN}, start: mustNotStart, local: live,
			wantErr: []string{"DATABASE_URL", "connecting to it failed", "127.0.0.1:1", "unset DATABASE_URL"}},
		{name: "malformed DATABASE_URL is an error", env: map[string]string{"DATABASE_URL": "postgres://postgres:secret@127.0.0.1:notaport/postgres"}, start: mustNotStart, local: live,
			wantErr: []string{"DATABASE_URL", "cannot be parsed", "xxxxx"}},
		{name: "nothing found", start: func(*testing.T) func(context.Context) (string, func() error, error) { return startFails },
			local: unreachableDSN, wantErr: []string{"no PostgreSQL server found", "DATABASE_URL=", "apt-get install -y postgresql", "no binaries here"}},
		{name: "nothing found, ephemeral skipped", env: map[string]string{NoEphemeralEnv: "1"}, start: mustNotStart,
			local: unreachableDSN, wantErr: []string{"no PostgreSQL server found", NoEphemeralEnv + " is set"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolve(ctx, resolver{getenv: env(c.env), startEphemeral: c.start(t), localDSN: c.local})
			if c.wantErr != nil {
				require.Error(t, err)
				for _, s := range c.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				assert.NotContains(t, err.Error(), "secret", "passwords stay out of error messages")
				return
			}
			require.NoError(t, err)
			defer got.admin.Close()
			assert.Equal(t, c.wantSource, got.source)
			assert.NoError(t, got.admin.PingContext(ctx))
		})
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"postgres://u:secret@h:5432/db":                     "postgres://u:xxxxx@h:5432/db",
		"postgres://u:secret@h:notaport/db":                 "postgres://u:xxxxx@h:notaport/db",
		"host=h user=u password=secret dbname=db":           "host=h user=u password=xxxxx dbname=db",
		"host=h password = 'sec ret' dbname=db":             "host=h password = xxxxx dbname=db",
		"host=h user=u":                                     "host=h user=u",
		"postgres://u@h/db?password=secret&sslmode=disable": "postgres://u@h/db?password=xxxxx&sslmode=disable",
	}
	for in, want := range cases {
		assert.Equal(t, want, redact(in))
		assert.NotContains(t, redact(in), "secret")
	}
}

func TestServerDSNNamesSource(t *testing.T) {
	t.Parallel()
	dsn, source, err := ServerDSN(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, dsn)
	assert.Contains(t, []string{sourceEnv, sourceEphemeral, sourceLocal}, source)
	if _, berr := pgcluster.FindBinDir(""); berr == nil && getenv("DATABASE_URL") == "" && getenv(NoEphemeralEnv) == "" {
		assert.Equal(t, sourceEphemeral, source, "with local binaries and no DATABASE_URL the tests use a throwaway cluster")
	}
}
