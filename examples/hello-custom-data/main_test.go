package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/customdatatest"
)

func TestMain(m *testing.M) { customdatatest.Main(m) }

// With DATABASE_URL the namespace stays: a second run finds it, mints a key
// and finds the tag the first run made.
func TestRunTwiceInOneDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := customdatatest.New(t)

	var first bytes.Buffer
	require.NoError(t, run(ctx, &first, db.DSN))
	s := first.String()
	assert.Contains(t, s, "creating the test fixture's (patient, note, ...)")
	assert.Contains(t, s, "created namespace my_org__hello_custom_data")
	assert.Regexp(t, `namespace_read_write_access_key = [0-9a-f-]{36}`, s)
	assert.Contains(t, s, `CREATE TABLE IF NOT EXISTS "my_org__hello_custom_data"."notetag" ("note_id" bigint PRIMARY KEY);`)
	assert.Contains(t, s, `ALTER TABLE "my_org__hello_custom_data"."notetag" ADD COLUMN IF NOT EXISTS "tagged_by" text;`)
	assert.Equal(t, 3, strings.Count(s, `msg="Note tagged by: hello-custom-data"`), s)
	assert.Contains(t, s, "-> the tag was created")
	assert.Contains(t, s, "-> the tag was found, not created")
	assert.Contains(t, s, `is tagged by hello-custom-data`)
	assert.Contains(t, s, "psql ")
	assert.Contains(t, s, "customdata namespace inspect --database-url ")

	var second bytes.Buffer
	require.NoError(t, run(ctx, &second, db.DSN))
	s = second.String()
	assert.NotContains(t, s, "creating the test fixture's")
	assert.Contains(t, s, "exists already: the platform minted a new read_write key")
	assert.Contains(t, s, "Model DDL: none")
	assert.Contains(t, s, "found: made by an earlier run")
	assert.NotContains(t, s, "-> the tag was created")
	assert.Equal(t, 2, strings.Count(s, "-> the tag was found, not created"), s)

	var tags int64
	require.NoError(t, db.DB.Table("my_org__hello_custom_data.notetag").Count(&tags).Error)
	assert.EqualValues(t, 1, tags, "the same note is tagged once")
	var keys int64
	require.NoError(t, db.DB.Table("my_org__hello_custom_data.namespace_auth").Count(&keys).Error)
	assert.EqualValues(t, 3, keys, "the two keys of the first install and the one AddKey minted")
}

// Without DATABASE_URL it says where it runs and removes what it made.
func TestRunScratch(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, ""))
	s := out.String()
	assert.Contains(t, s, "no DATABASE_URL, so a scratch database customdata_hello_")
	assert.Contains(t, s, "created namespace my_org__hello_custom_data")
	assert.Contains(t, s, "-> the tag was created")
	assert.Contains(t, s, "set DATABASE_URL to keep namespace my_org__hello_custom_data")
	assert.NotContains(t, s, "psql ")
}
