package custommodel

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckPredicate: a partial index's predicate may use the model's
// columns, literals and built-ins, and nothing that reaches a schema
// another role can create functions, operators or types in.
func TestCheckPredicate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		where string
		ok    bool
		want  string
	}{
		{"status = 'open'", true, ""},
		{"score > 1.5 AND done IS NOT TRUE", true, ""},
		{"lower(name) <> 'a.b'", true, "a dot inside a string is text"},
		{"name = 'it''s.here'", true, ""},
		{"kind::text = 'x'", true, ""},
		{"acme__x.f()", false, "names a schema (acme__x.f)"},
		{"acme__x . f() AND true", false, "names a schema"},
		{`"acme__x"."f"()`, false, "names a schema"},
		{"public.f(status)", false, "names a schema"},
		{"status::acme__x.mytype IS NOT NULL", false, "names a schema"},
		{"status OPERATOR(acme__x.===) 'a'", false, "OPERATOR(...)"},
		{"status operator (===) 'a'", false, "OPERATOR(...)"},
		{"name = 'unterminated", false, "unterminated string"},
		{"status = 'open'; DROP TABLE x", false, `";"`},
		{"status = $$open$$", false, `"$"`},
	}
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			err := checkPredicate("M", "F", c.where)
			if c.ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrDeclaration)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
