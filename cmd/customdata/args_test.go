package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArgsMixesFlagsAndArguments(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args  []string
		apply bool
		pos   []string
	}{
		{[]string{"acme__x"}, false, []string{"acme__x"}},
		{[]string{"-apply", "acme__x"}, true, []string{"acme__x"}},
		{[]string{"acme__x", "-apply"}, true, []string{"acme__x"}},
		{[]string{"acme__x", "--apply", "acme__y"}, true, []string{"acme__x", "acme__y"}},
		{[]string{"--", "-apply"}, false, []string{"-apply"}},
		{[]string{"acme__x", "--", "-apply"}, false, []string{"acme__x", "-apply"}},
		{nil, false, nil},
	}
	for _, c := range cases {
		fs := newFlagSet("test")
		apply := fs.Bool("apply", false, "")
		pos, err := parseArgs(fs, c.args, "usage")
		require.NoError(t, err, "%q", c.args)
		assert.Equal(t, c.apply, *apply, "%q", c.args)
		assert.Equal(t, c.pos, pos, "%q", c.args)
	}
}
