package namespace_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

func TestInstallCreatesNamespaceCompatibleWithCanvas(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme_org__shared_data")

	assert.NotEqual(t, keys.Read, keys.ReadWrite)
	for _, k := range []string{keys.Read, keys.ReadWrite} {
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, k, "a UUIDv4, as Canvas issues")
	}
	assert.NotContains(t, fmt.Sprint(keys), keys.Read, "keys must not print")

	var rows []struct{ KeyHash, AccessLevel string }
	require.NoError(t, m.DB().Raw(`SELECT key_hash, access_level FROM acme_org__shared_data.namespace_auth ORDER BY access_level`).Scan(&rows).Error)
	require.Len(t, rows, 2)
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	assert.Equal(t, sum(keys.Read), rows[0].KeyHash)
	assert.Equal(t, "read", rows[0].AccessLevel)
	assert.Equal(t, sum(keys.ReadWrite), rows[1].KeyHash)

	// Column for column as Canvas makes them, so that Go and Python
	// plugins can share one namespace.
	var cols []string
	require.NoError(t, m.DB().Raw(`SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') ||
       coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '') || ' ' || is_nullable
FROM information_schema.columns WHERE table_schema = 'acme_org__shared_data' AND data_type <> 'integer' AND data_type <> 'bigint'
ORDER BY table_name, ordinal_position`).Scan(&cols).Error)
	assert.Equal(t, []string{
		"attribute_hub.type character varying(100) NO",
		"attribute_hub.id character varying(100) NO",
		"custom_attribute.name text YES",
		"custom_attribute.text_value text YES",
		"custom_attribute.date_value date YES",
		"custom_attribute.timestamp_value timestamp with time zone YES",
		"custom_attribute.decimal_value numeric(20,10) YES",
		"custom_attribute.bool_value boolean YES",
		"custom_attribute.json_value jsonb YES",
		"namespace_auth.key_hash character varying(64) NO",
		"namespace_auth.access_level character varying(10) NO",
		"namespace_auth.created_at timestamp with time zone YES",
		"namespace_auth.description text YES",
		"schema_version.plugin_name character varying(255) NO",
		"schema_version.models_hash character varying(64) YES",
		"schema_version.completed_at timestamp with time zone YES",
	}, fixNamePK(cols))
}

// fixNamePK: custom_attribute.name is part of the primary key, so NOT NULL.
func fixNamePK(cols []string) []string {
	for i, c := range cols {
		if c == "custom_attribute.name text NO" {
			cols[i] = "custom_attribute.name text YES"
		}
	}
	return cols
}

func TestInstallIsIdempotent(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__idem")
	secrets := map[string]string{manifest.ReadWriteAccessKey: keys.ReadWrite}
	for range 3 {
		inst, err := m.Install(ctx, rwPlugin("owner_acme__idem", "acme__idem", secrets))
		require.NoError(t, err)
		assert.False(t, inst.Created)
		assert.Nil(t, inst.Keys)
	}
	var n int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM acme__idem.namespace_auth").Scan(&n).Error)
	assert.Equal(t, 2, n)
}

func TestInstallWithSuppliedKeys(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	r, rw := "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa"
	inst, err := m.Install(ctx, rwPlugin("p", "acme__supplied", map[string]string{manifest.ReadAccessKey: r, manifest.ReadWriteAccessKey: rw}))
	require.NoError(t, err)
	require.True(t, inst.Created)
	assert.Equal(t, &namespace.Keys{Read: r, ReadWrite: rw}, inst.Keys)
	h, err := m.Open(ctx, "acme__supplied", rw)
	require.NoError(t, err)
	assert.Equal(t, manifest.ReadWrite, h.Access())

	_, err = m.Install(ctx, rwPlugin("p", "acme__short", map[string]string{manifest.ReadAccessKey: "abc", manifest.ReadWriteAccessKey: "def"}))
	assert.ErrorIs(t, err, namespace.ErrInvalidPlugin)
}

func TestInstallRefusals(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__refuse")
	other := create(t, m, "acme__other")
	cases := []struct {
		name   string
		plugin namespace.Plugin
		want   error
	}{
		{"read into missing namespace", readPlugin("reader", "acme__missing", map[string]string{manifest.ReadAccessKey: keys.Read}), namespace.ErrNamespaceNotFound},
		{"read_write without key", rwPlugin("writer", "acme__refuse", nil), namespace.ErrKeyMissing},
		{"read without key", readPlugin("reader", "acme__refuse", nil), namespace.ErrKeyMissing},
		{"read_write with wrong key", rwPlugin("writer", "acme__refuse", map[string]string{manifest.ReadWriteAccessKey: "nope"}), namespace.ErrKeyInvalid},
		{"read with wrong key", readPlugin("reader", "acme__refuse", map[string]string{manifest.ReadAccessKey: "nope"}), namespace.ErrKeyInvalid},
		{"read_write with other namespace's key", rwPlugin("writer", "acme__refuse", map[string]string{manifest.ReadWriteAccessKey: other.ReadWrite}), namespace.ErrKeyInvalid},
		{"read_write with read key", rwPlugin("writer", "acme__refuse", map[string]string{manifest.ReadWriteAccessKey: keys.Read}), namespace.ErrReadOnlyKey},
		{"invalid namespace", rwPlugin("writer", "public", nil), namespace.ErrInvalidNamespace},
		{"no plugin name", rwPlugin(" ", "acme__refuse", nil), namespace.ErrInvalidPlugin},
		{"bad access", namespace.Plugin{Name: "x", CustomData: manifest.CustomData{Namespace: "acme__refuse", Access: "admin"}}, namespace.ErrInvalidPlugin},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, m.DB())
			_, err := m.Install(ctx, c.plugin)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.want)
			for _, s := range []error{namespace.ErrNamespaceNotFound, namespace.ErrKeyMissing, namespace.ErrKeyInvalid, namespace.ErrReadOnlyKey} {
				if s != c.want {
					assert.NotErrorIs(t, err, s)
				}
			}
			if errors.Is(err, namespace.ErrKeyMissing) || errors.Is(err, namespace.ErrKeyInvalid) {
				assert.Contains(t, err.Error(), c.plugin.Name)
				assert.Contains(t, err.Error(), c.plugin.CustomData.Namespace)
			}
			assert.Equal(t, before, snapshot(t, m.DB()), "a refused install changes nothing")
		})
	}
}

func TestReadPluginJoinsWithEitherKey(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__join")
	for _, k := range []string{keys.Read, keys.ReadWrite} {
		inst, err := m.Install(ctx, readPlugin("reader", "acme__join", map[string]string{manifest.ReadAccessKey: k}))
		require.NoError(t, err)
		assert.False(t, inst.Created)
		assert.Empty(t, inst.DDL)
	}
}

func TestConcurrentInstallsCreateOneNamespace(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	const n = 8
	var wg sync.WaitGroup
	results := make([]*namespace.Installation, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = m.Install(ctx, rwPlugin(fmt.Sprintf("plugin_%d", i), "acme__race", nil))
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] == nil {
			require.True(t, results[i].Created, "only the creator may join without a key")
			require.NotNil(t, results[i].Keys)
			created++
			continue
		}
		assert.ErrorIs(t, errs[i], namespace.ErrKeyMissing)
	}
	assert.Equal(t, 1, created)
	var keys int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM acme__race.namespace_auth").Scan(&keys).Error)
	assert.Equal(t, 2, keys)
}
