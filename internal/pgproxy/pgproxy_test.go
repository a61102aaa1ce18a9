package pgproxy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTarget(t *testing.T) {
	cases := []struct {
		dsn, network, addr, rest string
	}{
		{"postgres://postgres@127.0.0.1:5432/db?sslmode=disable", "tcp", "127.0.0.1:5432", "postgres://postgres@127.0.0.1:5432/db?sslmode=disable"},
		{"postgres://postgres@/db?host=%2Ftmp%2Fc&sslmode=disable", "unix", "/tmp/c/.s.PGSQL.5432", "postgres://postgres@/db?sslmode=disable"},
		{"postgres://postgres@/db?host=%2Ftmp%2Fc&port=6000", "unix", "/tmp/c/.s.PGSQL.6000", "postgres://postgres@/db"},
	}
	for _, c := range cases {
		u, network, addr, err := target(c.dsn)
		require.NoError(t, err, c.dsn)
		assert.Equal(t, c.network, network, c.dsn)
		assert.Equal(t, c.addr, addr, c.dsn)
		assert.Equal(t, c.rest, u.String(), c.dsn)
	}
	_, _, _, err := target("host=/tmp/c dbname=db")
	assert.ErrorContains(t, err, "a URL DSN is needed")
}
