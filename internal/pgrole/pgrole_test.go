package pgrole_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func TestName(t *testing.T) {
	r := pgrole.Name(16384, "acme_org__shared_data", "read")
	rw := pgrole.Name(16384, "acme_org__shared_data", "read_write")
	assert.Regexp(t, `^customdata_16384_[0-9a-f]{16}_r$`, r)
	assert.Equal(t, strings.TrimSuffix(r, "_r")+"_rw", rw)
	assert.NotEqual(t, r, pgrole.Name(16385, "acme_org__shared_data", "read"), "another database, another role")
	assert.NotEqual(t, r, pgrole.Name(16384, "acme_org__other", "read"))
	assert.LessOrEqual(t, len(pgrole.Name(4294967295, strings.Repeat("a", 63), "read_write")), 63)
	assert.True(t, strings.HasPrefix(r, pgrole.DatabasePrefix(16384)))
	pattern := "^" + pgrole.Prefix + pgrole.Pattern
	assert.Regexp(t, pattern, r)
	assert.Regexp(t, pattern, rw)
	assert.NotRegexp(t, pattern, pgrole.Prefix+"2024_ro", "a name the SDK does not make")
}

// TestSCRAMVerifierMatchesPostgreSQL computes the verifier of a password
// with the salt PostgreSQL chose for it, and compares.
func TestSCRAMVerifierMatchesPostgreSQL(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	role := pgrole.DatabasePrefix(d.OID) + "scram_probe"
	require.NoError(t, d.DB.Exec(`SET password_encryption = 'scram-sha-256'`).Error)
	require.NoError(t, d.DB.Exec(`CREATE ROLE "`+role+`" LOGIN PASSWORD 'correct horse battery staple'`).Error)
	var stored string
	require.NoError(t, d.DB.Raw(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, role).Scan(&stored).Error)
	// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
	head, _, ok := strings.Cut(strings.TrimPrefix(stored, "SCRAM-SHA-256$"), "$")
	require.True(t, ok, stored)
	iter, salt64, _ := strings.Cut(head, ":")
	n, err := strconv.Atoi(iter)
	require.NoError(t, err)
	salt, err := base64.StdEncoding.DecodeString(salt64)
	require.NoError(t, err)
	got, err := pgrole.ScramVerifier("correct horse battery staple", salt, n)
	require.NoError(t, err)
	assert.Equal(t, stored, got)

	// A verifier we send is stored as it is.
	v, err := pgrole.SCRAMVerifier("another one")
	require.NoError(t, err)
	require.NoError(t, d.DB.Exec(`ALTER ROLE "`+role+`" PASSWORD '`+v+`'`).Error)
	require.NoError(t, d.DB.Raw(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, role).Scan(&stored).Error)
	assert.Equal(t, v, stored)
}
