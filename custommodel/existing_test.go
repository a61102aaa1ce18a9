package custommodel_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

// TestCheckExistingRefusesContradictions is hole 7 of the isolation
// review, at the level of this package: a model that contradicts the
// namespace's existing relations is refused with an error naming the field,
// the existing column type and the fix.
func TestCheckExistingRefusesContradictions(t *testing.T) {
	t.Parallel()
	const ns = "acme__existing"
	e := newEnv(t, ns, &Counter{}, &Ledger{})
	ctx := t.Context()
	// Relations another install (or an admin) left behind.
	for _, s := range []string{
		`CREATE INDEX "gadget" ON "` + ns + `"."counter" ("name")`,
		`CREATE SEQUENCE "` + ns + `"."sprocket"`,
		`CREATE VIEW "` + ns + `"."widget" AS SELECT 1 AS one`,
	} {
		require.NoError(t, e.d.DB.Exec(s).Error, s)
	}

	check := func(models ...any) error {
		return custommodel.CheckExisting(ctx, e.d.DB, ns, models...)
	}
	require.NoError(t, check(&Counter{}, &Ledger{}), "the models the tables were made from")

	{
		type Counter struct {
			custommodel.CustomModel
			Name  int64 `gorm:"uniqueIndex"`
			Count string
			Extra string
		}
		err := check(&Counter{})
		require.ErrorIs(t, err, custommodel.ErrExistingTable)
		require.ErrorIs(t, err, custommodel.ErrDeclaration)
		msg := err.Error()
		for _, want := range []string{
			"model Counter, field Name", `column "name" of type bigint`, "already has that column as text", "declare the field with type string",
			"model Counter, field Count", `column "count" of type text`, "already has that column as bigint", "declare the field with type int64",
		} {
			assert.Contains(t, msg, want)
		}
		assert.NotContains(t, msg, "Extra", "a new column contradicts nothing")
	}
	{
		type Ledger struct {
			custommodel.CustomModel
			Code   string          `gorm:"uniqueIndex"`
			Amount decimal.Decimal `gorm:"precision:12;scale:2"`
		}
		err := check(&Ledger{})
		require.ErrorIs(t, err, custommodel.ErrExistingTable)
		assert.Contains(t, err.Error(), "already has that column as numeric(20,10)")
		assert.Contains(t, err.Error(), "`gorm:\"precision:20;scale:10\"`")
	}
	for _, name := range []string{"Gadget", "Sprocket", "Widget"} {
		t.Run("table name taken: "+name, func(t *testing.T) {
			var err error
			switch name {
			case "Gadget":
				type Gadget struct{ custommodel.CustomModel }
				err = check(&Gadget{})
			case "Sprocket":
				type Sprocket struct{ custommodel.CustomModel }
				err = check(&Sprocket{})
			case "Widget":
				type Widget struct{ custommodel.CustomModel }
				err = check(&Widget{})
			}
			require.ErrorIs(t, err, custommodel.ErrExistingTable)
			assert.Contains(t, err.Error(), `gives table name "`+strings.ToLower(name)+`", which namespace "`+ns+`" already uses for`)
			assert.Contains(t, err.Error(), "rename the struct")
		})
	}
	{
		// The index a model declares exists, on other columns.
		stmts, err := custommodel.DDL(ns, &Counter{})
		require.NoError(t, err)
		var uniq string
		for _, s := range stmts {
			if strings.HasPrefix(s, "CREATE UNIQUE INDEX") {
				uniq = strings.Split(s, `"`)[1]
			}
		}
		require.NotEmpty(t, uniq, "Counter declares a unique index: %q", stmts)
		// Give the other index the name of Counter's unique index.
		require.NoError(t, e.d.DB.Exec(`ALTER INDEX "`+ns+`"."`+uniq+`" RENAME TO "old_name"`).Error)
		require.NoError(t, e.d.DB.Exec(`CREATE UNIQUE INDEX "`+uniq+`" ON "`+ns+`"."counter" ("count")`).Error)
		err = check(&Counter{}) // (name) wanted, (count) found
		require.ErrorIs(t, err, custommodel.ErrExistingTable)
		assert.Contains(t, err.Error(), "index "+uniq+" on (name), but table "+ns+".counter already has an index of that name, unique on (count)")
	}
}

// TestCheckExistingAcceptsCompatibleTables: a new table, the same model
// again, a model with fewer or more fields, and a string over a character
// varying column all pass.
func TestCheckExistingAcceptsCompatibleTables(t *testing.T) {
	t.Parallel()
	const ns = "acme__compatible"
	e := newEnv(t, ns, &Counter{})
	require.NoError(t, e.d.DB.Exec(`ALTER TABLE "`+ns+`"."counter" ADD COLUMN "label" varchar(40)`).Error)
	type Counter struct {
		custommodel.CustomModel
		Name  string `gorm:"uniqueIndex"`
		Label string
		More  *int32
	}
	assert.NoError(t, custommodel.CheckExisting(t.Context(), e.d.DB, ns, &Counter{}, &Room{}, &EveryType{}))
	assert.Error(t, custommodel.CheckExisting(t.Context(), nil, ns, &Counter{}), "nil DB")
	assert.ErrorIs(t, custommodel.CheckExisting(t.Context(), e.d.DB, ns, 7), custommodel.ErrDeclaration, "not a model")
}

// TestCheckCatalogMatchesCheckExisting: the document CatalogQuery
// returns, read by a caller that batches its statements, gives
// Models.CheckCatalog the answers CheckExisting gives.
func TestCheckCatalogMatchesCheckExisting(t *testing.T) {
	t.Parallel()
	const ns = "acme__catalogdoc"
	e := newEnv(t, ns, &Counter{}, &Ledger{})
	ctx := t.Context()
	var doc string
	require.NoError(t, e.d.DB.WithContext(ctx).Raw(custommodel.CatalogQuery, ns).Row().Scan(&doc))

	checkDoc := func(ns, doc string, models ...any) error {
		ms, err := custommodel.ParseModels(ns, models...)
		require.NoError(t, err)
		return ms.CheckCatalog([]byte(doc))
	}
	require.NoError(t, checkDoc(ns, doc, &Counter{}, &Ledger{}))
	type Counter struct {
		custommodel.CustomModel
		Name int64 `gorm:"uniqueIndex"`
	}
	viaDoc := checkDoc(ns, doc, &Counter{})
	require.ErrorIs(t, viaDoc, custommodel.ErrExistingTable)
	viaDB := custommodel.CheckExisting(ctx, e.d.DB, ns, &Counter{})
	require.Error(t, viaDB)
	assert.Equal(t, viaDB.Error(), viaDoc.Error())

	assert.Error(t, checkDoc(ns, "not json", &Counter{}), "a document that is not CatalogQuery's")

	var empty string
	require.NoError(t, e.d.DB.WithContext(ctx).Raw(custommodel.CatalogQuery, "acme__absent").Row().Scan(&empty))
	assert.NoError(t, checkDoc("acme__absent", empty, &Counter{}), "a namespace not made yet holds nothing to contradict")

	ms, err := custommodel.ParseModels(ns, &Counter{}, &Ledger{})
	require.NoError(t, err)
	ddl, err := custommodel.DDL(ns, &Counter{}, &Ledger{})
	require.NoError(t, err)
	assert.Equal(t, ddl, ms.DDL(), "parsed once, the same statements")
	renames, err := custommodel.IndexRenames(ns, &Counter{}, &Ledger{})
	require.NoError(t, err)
	assert.Equal(t, renames, ms.IndexRenames())
}
