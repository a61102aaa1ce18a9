package manifest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/manifest"
)

func TestValidateNamespace(t *testing.T) {
	t.Parallel()
	ok63 := "a__" + strings.Repeat("b", 60)
	require.Len(t, ok63, 63)
	bad64 := "a__" + strings.Repeat("b", 61)
	require.Len(t, bad64, 64)

	cases := []struct {
		name   string
		valid  bool
		reason string // a part of the error message naming what is wrong
	}{
		// Valid: ^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$, at most 63 bytes.
		{"acme_org__shared_data", true, ""},
		{"org123__namespace456", true, ""},
		{"pg__custom_schema", true, ""},
		{ok63, true, ""},
		{"a__b", true, ""},
		{"a___b", true, ""},
		{"a__b__c", true, ""},
		{"org_1__name_2_", true, ""},
		// Invalid: no double underscore, upper case, a leading digit or
		// underscore on either side, other characters, too long.
		{"public", false, `no double underscore`},
		{"pg_catalog", false, `no double underscore`},
		{"org_name", false, `no double underscore`},
		{"__", false, `does not start with a lowercase letter`},
		{"PUBLIC__test", false, `contains 'P'`},
		{"org__Test", false, `contains 'T'`},
		{"1org__name", false, `does not start with a lowercase letter`},
		{"org__1name", false, `no lowercase letter follows`},
		{"_org__name", false, `does not start with a lowercase letter`},
		{"org-name__data", false, `contains '-'`},
		{"org.name__data", false, `contains '.'`},
		{bad64, false, `64 bytes long`},
		{strings.Repeat("x", 64), false, `64 bytes long`},
		// More.
		{"", false, "is empty"},
		{"org__", false, `no lowercase letter follows`},
		{"org__name\n", false, `contains '\n'`},
		{"org__näme", false, `contains 'ä'`},
		{"org__na me", false, `contains ' '`},
		{"org__name;drop", false, `contains ';'`},
		{`org__"x"`, false, `contains '"'`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := manifest.ValidateNamespace(tc.name)
			if tc.valid {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, manifest.ErrInvalidNamespace)
			var ne *manifest.NamespaceError
			require.ErrorAs(t, err, &ne)
			assert.Equal(t, tc.name, ne.Name)
			assert.Contains(t, err.Error(), tc.reason)
			assert.Contains(t, err.Error(), manifest.NamespaceRule, "the message states the rule")
		})
	}
}

// The name is quoted with %q, so a control character cannot forge a line of the message.
func TestValidateNamespaceQuotesTheName(t *testing.T) {
	t.Parallel()
	err := manifest.ValidateNamespace("evil\nnamespace \"ok\" is valid\x1b[0m")
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "\x1b")
	assert.Contains(t, msg, `"evil\nnamespace \"ok\" is valid\x1b[0m"`)
}

func TestValidateNamespaceListsEveryBrokenRule(t *testing.T) {
	t.Parallel()
	err := manifest.ValidateNamespace(strings.Repeat("A", 70))
	var ne *manifest.NamespaceError
	require.True(t, errors.As(err, &ne))
	assert.Len(t, ne.Reasons, 2, "too long and not lowercase: %v", ne.Reasons)
}

func TestAccessSecretName(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "namespace_read_access_key", manifest.ReadAccessKey)
	assert.Equal(t, "namespace_read_write_access_key", manifest.ReadWriteAccessKey)
	assert.Equal(t, manifest.ReadAccessKey, manifest.Read.SecretName())
	assert.Equal(t, manifest.ReadWriteAccessKey, manifest.ReadWrite.SecretName())
	assert.Equal(t, "", manifest.Access("write").SecretName())
	assert.True(t, manifest.Read.Valid())
	assert.True(t, manifest.ReadWrite.Valid())
	assert.False(t, manifest.Access("READ").Valid())
	cd := manifest.CustomData{Namespace: "a__b", Access: manifest.Read}
	assert.Equal(t, manifest.ReadAccessKey, cd.SecretName())
}
