package namespace

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStartsWithWrite(t *testing.T) {
	cases := map[string]bool{
		"INSERT INTO t VALUES (1)":              true,
		"  \n insert into t select 1":           true,
		"/* hi */ UPDATE t SET x = 1":           true,
		"-- note\nDELETE FROM t":                true,
		"(DELETE FROM t)":                       true,
		"SELECT updated_at FROM t":              false,
		"select 'delete me' from t":             false,
		"WITH x AS (SELECT 1) SELECT * FROM x":  false,
		"":                                      false,
		"-- only a comment":                     false,
		"TRUNCATE t":                            true,
		"Create table x (y int)":                true,
		"SELECT * FROM t WHERE note = 'insert'": false,
		"/* unterminated":                       false,
		"VALUES (1)":                            false,
	}
	for q, want := range cases {
		assert.Equal(t, want, startsWithWrite(q), q)
	}
}

func TestIsWriteSQL(t *testing.T) {
	assert.True(t, isWriteSQL("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"))
	assert.True(t, isWriteSQL("SELECT * FROM t FOR UPDATE"))
	assert.False(t, isWriteSQL("SELECT key_hash FROM ns.namespace_auth"))
	assert.True(t, isWriteSQL("SELECT * FROM t FOR KEY SHARE"))
	assert.True(t, isWriteSQL("SELECT nextval('ns.namespace_auth_id_seq')"))
	assert.True(t, isWriteSQL("SELECT lo_create(0)"))
	assert.True(t, isWriteSQL("LOCK TABLE ns.t"))
	assert.True(t, isWriteSQL("SELECT * INTO ns.copy FROM ns.t"))
	// Words that contain a write keyword are not one.
	assert.False(t, isWriteSQL("SELECT created_at, updated_at FROM ns.namespace_auth"))
	assert.False(t, isWriteSQL(`SELECT "deleted", share_count FROM ns.t`))
}
