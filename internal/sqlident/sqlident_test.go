package sqlident

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestQuote(t *testing.T) {
	cases := []struct {
		parts []string
		want  string
	}{
		{[]string{"notetag"}, `"notetag"`},
		{[]string{"my_org__x", "notetag"}, `"my_org__x"."notetag"`},
		{[]string{`a"b`}, `"a""b"`},
		{[]string{"x\x00y"}, `"xy"`},
		{[]string{`x"; DROP TABLE t; --`}, `"x""; DROP TABLE t; --"`},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Quote(c.parts...))
	}
}

func TestLiteral(t *testing.T) {
	assert.Equal(t, `'it''s'`, Literal("it's"))
	assert.Equal(t, `'ab'`, Literal("a\x00b"))
	assert.Equal(t, `''`, Literal(""))
}
