package sdkmodel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// schemaFile is the part of the schema file the tests read, independently
// of the generated code.
type schemaFile struct {
	Models []struct {
		Name                     string `json:"name"`
		DBTable                  string `json:"db_table"`
		AutoCreatedM2MThroughFor string `json:"auto_created_m2m_through_for"`
		Fields                   []struct {
			Column string `json:"column"`
			Type   string `json:"type"`
			Null   bool   `json:"null"`
		} `json:"fields"`
	} `json:"models"`
}

func readSchema(t *testing.T) schemaFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("internal", "schema", "canvas-sdk-models.json"))
	require.NoError(t, err)
	var f schemaFile
	require.NoError(t, json.Unmarshal(data, &f))
	return f
}

var varcharRE = regexp.MustCompile(`varchar\((\d+)\)`)

// pgTypeName spells a schema file type as PostgreSQL's format_type does.
func pgTypeName(t string) string {
	t = varcharRE.ReplaceAllString(t, "character varying($1)")
	return strings.ReplaceAll(t, ", ", ",")
}

func TestPlatformTablesAreTheSchemaFilesTables(t *testing.T) {
	t.Parallel()
	var want []string
	types := 0
	for _, m := range readSchema(t).Models {
		if strings.HasPrefix(m.DBTable, "canvas_sdk_data_") {
			want = append(want, m.DBTable)
			if m.AutoCreatedM2MThroughFor == "" {
				types++
			}
		}
	}
	sort.Strings(want)
	assert.Len(t, want, 214)
	assert.Equal(t, want, sdkmodel.PlatformTables())
	assert.Equal(t, want, sdkmodel.Tables())
	assert.Equal(t, 207, types)
	assert.Len(t, sdkmodel.Models(), 207)
	assert.NotContains(t, sdkmodel.PlatformTables(), "attribute_hub")
	assert.NotContains(t, sdkmodel.PlatformTables(), "custom_attribute")
}

// Every platform table of the fixture has exactly the schema file's columns:
// name, type and nullability, as information_schema reports them.
func TestFixtureColumnsMatchSchemaFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB), "an empty database gets every table")

	type col struct{ Table, Column, Type, Nullable string }
	want := map[col]bool{}
	for _, m := range readSchema(t).Models {
		if !strings.HasPrefix(m.DBTable, "canvas_sdk_data_") {
			continue
		}
		for _, f := range m.Fields {
			nullable := "NO"
			if f.Null {
				nullable = "YES"
			}
			want[col{m.DBTable, f.Column, pgTypeName(f.Type), nullable}] = true
		}
	}

	var rows []col
	require.NoError(t, d.DB.Raw(`SELECT c.table_name AS "table", c.column_name AS "column",
    format_type(a.atttypid, a.atttypmod) AS "type", c.is_nullable AS nullable
FROM information_schema.columns c
JOIN pg_attribute a ON a.attrelid = to_regclass(quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))
    AND a.attname = c.column_name
WHERE c.table_schema = 'public' AND c.table_name IN ?`, sdkmodel.PlatformTables()).Scan(&rows).Error)
	got := map[col]bool{}
	for _, r := range rows {
		got[r] = true
	}
	var missing, extra []string
	for c := range want {
		if !got[c] {
			missing = append(missing, fmt.Sprint(c))
		}
	}
	for c := range got {
		if !want[c] {
			extra = append(extra, fmt.Sprint(c))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	assert.Empty(t, missing, "columns of the schema file that the fixture lacks or types differently")
	assert.Empty(t, extra, "columns of the fixture that the schema file does not have")
	assert.Len(t, rows, len(want))
}

// Each model's struct declares exactly its table's columns.
func TestStructsDeclareTheirTablesColumns(t *testing.T) {
	t.Parallel()
	byTable := map[string][]string{}
	for _, m := range readSchema(t).Models {
		for _, f := range m.Fields {
			byTable[m.DBTable] = append(byTable[m.DBTable], f.Column)
		}
	}
	cache := &sync.Map{}
	for _, m := range sdkmodel.Models() {
		s, err := schema.Parse(m, cache, schema.NamingStrategy{})
		require.NoError(t, err)
		table := strings.TrimPrefix(s.Table, "public.")
		require.Contains(t, byTable, table, s.Name)
		assert.Equal(t, byTable[table], s.DBNames, s.Name)
		assert.Equal(t, []string{s.PrimaryFields[0].DBName}, s.PrimaryFieldDBNames, s.Name)
	}
}
