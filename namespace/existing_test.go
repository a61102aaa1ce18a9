package namespace_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// TestInstallRefusesModelsThatContradictTheTable is hole 7 of the isolation
// review: a second plugin whose model contradicts the namespace's existing
// relations is refused at install, with an error naming the field, the
// existing column type and the fix, and the install writes nothing.
func TestInstallRefusesModelsThatContradictTheTable(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	const ns = "acme__contradict"
	type Tally struct {
		custommodel.CustomModel
		Name  string `gorm:"uniqueIndex"`
		Count string
	}
	first := rwPlugin("first", ns, nil)
	first.Models = []any{&Tally{}}
	inst, err := m.Install(ctx, first)
	require.NoError(t, err)
	secrets := map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}

	t.Run("column of another type", func(t *testing.T) {
		type Tally struct {
			custommodel.CustomModel
			Name  string `gorm:"uniqueIndex"`
			Count int64
			Added string
		}
		second := rwPlugin("second", ns, secrets)
		second.Models = []any{&Tally{}}
		before := snapshot(t, m.DB())
		_, err := m.Install(ctx, second)
		require.ErrorIs(t, err, custommodel.ErrExistingTable)
		require.ErrorIs(t, err, custommodel.ErrDeclaration)
		for _, want := range []string{`plugin "second"`, "model Tally, field Count", `column "count" of type bigint`,
			"already has that column as text", "declare the field with type string", "new column"} {
			assert.Contains(t, err.Error(), want)
		}
		assert.Equal(t, before, snapshot(t, m.DB()), "a refused install writes nothing (not even the new column added)")
	})

	t.Run("table name of an index", func(t *testing.T) {
		// PostgreSQL names Tally's primary key index tally_pkey.
		type Tally_pkey struct { //nolint:revive // the name is the point
			custommodel.CustomModel
			Label string
		}
		third := rwPlugin("third", ns, secrets)
		third.Models = []any{&Tally_pkey{}}
		before := snapshot(t, m.DB())
		_, err := m.Install(ctx, third)
		require.ErrorIs(t, err, custommodel.ErrExistingTable)
		assert.Contains(t, err.Error(), `gives table name "tally_pkey", which namespace "`+ns+`" already uses for index tally_pkey of table tally`)
		assert.Equal(t, before, snapshot(t, m.DB()))
	})

	// The first plugin's own model installs again, as does a compatible one.
	first.Secrets = secrets
	_, err = m.Install(ctx, first)
	require.NoError(t, err)
	type Other struct {
		custommodel.CustomModel
		Name string
	}
	fourth := rwPlugin("fourth", ns, secrets)
	fourth.Models = []any{&Tally{}, &Other{}}
	_, err = m.Install(ctx, fourth)
	require.NoError(t, err)
}
