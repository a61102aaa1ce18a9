package namespace_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// TestNilHandle: the methods of a nil or zero *Handle neither panic nor
// connect: Close and every statement on its DB fail with ErrNilHandle.
func TestNilHandle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, h := range map[string]*namespace.Handle{"nil": nil, "zero": {}} {
		cases := []struct {
			name string
			call func() error
		}{
			{"Close", h.Close},
			{"DB().Create", func() error { return h.DB(ctx).Create(&sdkmodel.Note{}).Error }},
			{"DB().First", func() error { var n sdkmodel.Note; return h.DB(ctx).First(&n).Error }},
			{"DB().Exec", func() error { return h.DB(ctx).Exec("SELECT 1").Error }},
			{"DB().Raw().Scan", func() error { var n int; return h.DB(ctx).Raw("SELECT 1").Scan(&n).Error }},
			{"DB().Transaction", func() error {
				return h.DB(ctx).Transaction(func(tx *gorm.DB) error { return tx.Exec("SELECT 1").Error })
			}},
		}
		for _, c := range cases {
			var err error
			require.NotPanics(t, func() { err = c.call() }, c.name)
			assert.ErrorIs(t, err, namespace.ErrNilHandle, c.name)
		}
		require.NotPanics(t, func() {
			assert.Empty(t, h.Name())
			assert.Empty(t, h.Access())
		})
	}
}

// TestErrorStyle: refusals start with "customdata: ", quote each secret
// name alone and do not repeat themselves.
func TestErrorStyle(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	ctx := context.Background()
	create(t, m, "acme__style")
	cases := []struct {
		name   string
		call   func() error
		kind   error
		wants  []string
		absent []string
	}{
		{"open without a key", func() error { _, err := m.Open(ctx, "acme__style", ""); return err }, namespace.ErrKeyMissing,
			[]string{`"` + manifest.ReadAccessKey + `" or "` + manifest.ReadWriteAccessKey + `"`, "this caller requested"}, nil},
		{"open with a wrong key", func() error {
			_, err := m.Open(ctx, "acme__style", "00000000-0000-0000-0000-000000000000")
			return err
		}, namespace.ErrKeyInvalid, []string{`"` + manifest.ReadAccessKey + `" or "` + manifest.ReadWriteAccessKey + `"`}, nil},
		{"open of a missing namespace", func() error { _, err := m.Open(ctx, "acme__nowhere", "x"); return err }, namespace.ErrNamespaceNotFound,
			[]string{`namespace "acme__nowhere", which does not exist`}, nil},
		{"invalid namespace", func() error { _, err := m.Open(ctx, "Acme__x", "x"); return err }, namespace.ErrInvalidNamespace,
			[]string{`invalid namespace "Acme__x"`}, []string{"invalid namespace: invalid namespace"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			require.ErrorIs(t, err, c.kind)
			assert.True(t, strings.HasPrefix(err.Error(), "customdata: "), err.Error())
			for _, w := range c.wants {
				assert.Contains(t, err.Error(), w)
			}
			for _, a := range c.absent {
				assert.NotContains(t, err.Error(), a)
			}
		})
	}
	// The manifest's sentinel and the namespace's are one.
	assert.ErrorIs(t, manifest.ValidateNamespace("Acme__x"), namespace.ErrInvalidNamespace)
}
