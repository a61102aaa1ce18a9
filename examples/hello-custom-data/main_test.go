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

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Contains(t, s, `CREATE TABLE IF NOT EXISTS "my_org__hello_custom_data"."notetag" ("note_id" bigint PRIMARY KEY);`)
	assert.Contains(t, s, `ALTER TABLE "my_org__hello_custom_data"."notetag" ADD COLUMN IF NOT EXISTS "tagged_by" text;`)
	assert.Equal(t, 3, strings.Count(s, `msg="Note tagged by: hello-custom-data"`), s)
	assert.Contains(t, s, "-> the tag was created")
	assert.Contains(t, s, "-> the tag was found, not created")
	assert.Contains(t, s, `Note "Follow-up visit" is tagged by hello-custom-data`)
	assert.Regexp(t, `namespace_read_write_access_key = [0-9a-f-]{36}`, s)
}
