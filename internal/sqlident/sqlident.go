// Package sqlident quotes PostgreSQL identifiers and string literals.
//
// Every identifier that reaches SQL text in this module (schema, table, role,
// column and index names) passes through Quote; values travel as bind
// parameters. Literal exists only for the few statements that cannot take
// parameters (CREATE ROLE ... PASSWORD, COMMENT ON).
package sqlident

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// Quote returns the parts as one dotted, double-quoted identifier:
// Quote("my_org__x", "notetag") is "my_org__x"."notetag". Embedded double
// quotes are doubled and NUL bytes removed, as pgx.Identifier does.
func Quote(parts ...string) string {
	return pgx.Identifier(parts).Sanitize()
}

// Literal returns s as a standard-conforming SQL string literal: single
// quotes doubled, NUL bytes removed. Use bind parameters wherever the
// statement accepts them.
func Literal(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
