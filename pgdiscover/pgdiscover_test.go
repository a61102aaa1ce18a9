package pgdiscover

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// live is the server this test process found, shared by the tests.
var live *Server

func TestMain(m *testing.M) {
	var err error
	live, err = Find(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := live.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// unreachableDSN points at a port nothing listens on.
const unreachableDSN = "postgres://postgres:secret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5"

type startFunc = func(context.Context) (string, func() error, error)

func TestFindOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// live stands in for each source in turn, so the test does not need
	// port 5432.
	mustNotStart := func(t *testing.T) startFunc {
		return func(context.Context) (string, func() error, error) {
			t.Error("the throwaway cluster was started, but should not have been")
			return "", nil, errors.New("not expected")
		}
	}
	startsLive := func(*testing.T) startFunc {
		return func(context.Context) (string, func() error, error) { return live.DSN, func() error { return nil }, nil }
	}
	startFails := func(*testing.T) startFunc {
		return func(context.Context) (string, func() error, error) { return "", nil, errors.New("no binaries here") }
	}
	noStep2 := func(*testing.T) startFunc { return nil }
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

	cases := []struct {
		name       string
		env        map[string]string
		start      func(t *testing.T) startFunc
		local      string
		dsn        string
		dsnName    string
		wantSource Source
		wantErr    []string
		// passedOver: the server on localhost says why the throwaway
		// cluster was not used.
		passedOver bool
	}{
		{name: "DATABASE_URL wins", env: map[string]string{"DATABASE_URL": live.DSN}, start: mustNotStart, local: unreachableDSN,
			wantSource: FromEnv},
		{name: "throwaway cluster before localhost", start: startsLive, local: unreachableDSN, wantSource: FromEphemeral},
		{name: "no-ephemeral env falls back to localhost", env: map[string]string{NoEphemeralEnv: "1"}, start: mustNotStart,
			local: live.DSN, wantSource: FromLocalhost},
		{name: "failed throwaway cluster falls back to localhost", start: startFails, local: live.DSN, wantSource: FromLocalhost, passedOver: true},
		{name: "a DSN option stands in for DATABASE_URL", env: map[string]string{"DATABASE_URL": unreachableDSN}, dsn: live.DSN, start: mustNotStart,
			local: unreachableDSN, wantSource: FromEnv},
		{name: "an unreachable DSN option is named", dsn: unreachableDSN, dsnName: "--database-url", start: mustNotStart, local: live.DSN,
			wantErr: []string{"--database-url", "connecting to it failed"}},
		{name: "NoThrowaway skips the throwaway cluster", start: noStep2, local: live.DSN, wantSource: FromLocalhost},
		{name: "unreachable DATABASE_URL is an error", env: map[string]string{"DATABASE_URL": unreachableDSN}, start: mustNotStart, local: live.DSN,
			wantErr: []string{"DATABASE_URL", "connecting to it failed", "127.0.0.1:1", "unset DATABASE_URL"}},
		{name: "malformed DATABASE_URL is an error", env: map[string]string{"DATABASE_URL": "postgres://postgres:secret@127.0.0.1:notaport/postgres"}, start: mustNotStart, local: live.DSN,
			wantErr: []string{"DATABASE_URL", "cannot be parsed", "xxxxx"}},
		{name: "nothing found", start: startFails, local: unreachableDSN,
			wantErr: []string{"no PostgreSQL server found", "DATABASE_URL=", "apt-get install -y postgresql", "no binaries here"}},
		{name: "nothing found, throwaway cluster skipped", env: map[string]string{NoEphemeralEnv: "1"}, start: mustNotStart,
			local: unreachableDSN, wantErr: []string{"no PostgreSQL server found", NoEphemeralEnv + " is set"}},
		{name: "nothing found without step 2", start: noStep2, local: unreachableDSN,
			wantErr: []string{"no PostgreSQL server found", "DATABASE_URL="}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := finder{getenv: env(c.env), startEphemeral: c.start(t), localDSN: c.local, dsn: c.dsn, dsnName: c.dsnName}.find(ctx)
			if c.wantErr != nil {
				require.Error(t, err)
				for _, s := range c.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				assert.NotContains(t, err.Error(), "secret", "passwords stay out of error messages")
				assert.Regexp(t, "^pgdiscover: ", err.Error())
				return
			}
			require.NoError(t, err)
			defer got.Close()
			assert.Equal(t, c.wantSource, got.Source)
			assert.Equal(t, c.wantSource == FromEphemeral, got.Ephemeral())
			assert.Equal(t, c.passedOver, got.PassedOver != "", "PassedOver: %q", got.PassedOver)
			assert.NoError(t, got.DB.PingContext(ctx))
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
		assert.Equal(t, want, Redact(in))
		assert.NotContains(t, Redact(in), "secret")
	}
}

func TestCheckServerVersion(t *testing.T) {
	for _, ok := range []int{130000, 130014, 150020, 170002} {
		assert.NoError(t, checkServerVersion(ok), ok)
	}
	for num, shown := range map[int]string{120004: "12.4", 100000: "10.0", 90603: "9.6.3"} {
		err := checkServerVersion(num)
		require.Error(t, err, num)
		assert.ErrorIs(t, err, ErrServerTooOld)
		assert.Contains(t, err.Error(), "it runs "+shown+";")
		assert.Contains(t, err.Error(), "PostgreSQL 13 or newer")
	}
}

func TestWithDatabase(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://u:p@h:5/old?sslmode=disable", "postgres://u:p@h:5/new?sslmode=disable"},
		{"postgresql://h/", "postgresql://h/new"},
		{"host=h user=u dbname=old", "host=h user=u dbname=old dbname='new'"},
	}
	for _, c := range cases {
		got, err := WithDatabase(c.in, "new")
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
}

func TestCloseNil(t *testing.T) {
	var s *Server
	assert.NoError(t, s.Close())
}

func TestConnectErrorSaysEachThingOnce(t *testing.T) {
	t.Parallel()
	// Without sslmode=disable pgx tries TLS, then plain: two refusals.
	_, err := ping(context.Background(), "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=5")
	require.Error(t, err)
	require.Equal(t, 2, strings.Count(errors.Unwrap(err).Error(), "connection refused"), "the driver reports both attempts")
	assert.Equal(t, 1, strings.Count(err.Error(), "connection refused"), err.Error())
	var connErr *pgconn.ConnectError
	assert.ErrorAs(t, err, &connErr, "the driver's error stays reachable")
}
