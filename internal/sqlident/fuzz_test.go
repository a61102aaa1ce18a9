package sqlident_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// unquoteIdentifier parses a dotted identifier of double-quoted parts as
// PostgreSQL's scanner does, independently of Quote: inside quotes "" is
// one quote, and only a lone " ends the part. It fails on anything else
// (text outside quotes, an unterminated part), which is what an injection
// through a name would need.
func unquoteIdentifier(s string) ([]string, error) {
	var parts []string
	for {
		if !strings.HasPrefix(s, `"`) {
			return nil, fmt.Errorf("part does not start with a quote: %q", s)
		}
		s = s[1:]
		var b strings.Builder
		for {
			i := strings.IndexByte(s, '"')
			if i < 0 {
				return nil, errors.New("unterminated quoted identifier")
			}
			b.WriteString(s[:i])
			s = s[i+1:]
			if strings.HasPrefix(s, `"`) {
				b.WriteByte('"')
				s = s[1:]
				continue
			}
			break
		}
		parts = append(parts, b.String())
		if s == "" {
			return parts, nil
		}
		if !strings.HasPrefix(s, ".") {
			return nil, fmt.Errorf("text after a quoted identifier: %q", s)
		}
		s = s[1:]
	}
}

// unquoteLiteral parses a standard-conforming string literal.
func unquoteLiteral(s string) (string, error) {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", fmt.Errorf("not a literal: %q", s)
	}
	body := s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '\'' {
			if i+1 >= len(body) || body[i+1] != '\'' {
				return "", fmt.Errorf("a lone quote ends the literal early: %q", s)
			}
			i++
		}
		b.WriteByte(body[i])
	}
	return b.String(), nil
}

var (
	plainTable    = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	namespaceRule = regexp.MustCompile(`^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$`)
)

// FuzzIdentifiers checks the names that reach SQL text: a namespace and a
// name quoted by Quote parse back to exactly themselves (NUL removed) and
// to nothing more; Literal likewise; ValidateNamespace accepts exactly the
// documented rule, and an accepted namespace needs no escaping; the
// namespace naming strategy puts a plain table name in its namespace and
// nowhere else.
func FuzzIdentifiers(f *testing.F) {
	for _, seed := range [][2]string{
		{"my_org__hello_custom_data", "notetag"},
		{"acme__x", `x"; DROP TABLE t; --`},
		{`a"b`, "x\x00y"},
		{"a__b\n", "é"},
		{"A__b", "with.dot"},
		{"a__b", `"`},
		{"", ""},
		{"a__" + strings.Repeat("b", 61), "generic[github.com/x/y.T]"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, ns, name string) {
		clean := func(s string) string { return strings.ReplaceAll(s, "\x00", "") }
		for _, parts := range [][]string{{name}, {ns, name}} {
			q := sqlident.Quote(parts...)
			got, err := unquoteIdentifier(q)
			if err != nil {
				t.Fatalf("Quote(%q) = %s does not parse back: %v", parts, q, err)
			}
			if len(got) != len(parts) {
				t.Fatalf("Quote(%q) = %s parses as %d parts: %q", parts, q, len(got), got)
			}
			for i := range parts {
				if got[i] != clean(parts[i]) {
					t.Fatalf("Quote(%q) part %d came back as %q", parts, i, got[i])
				}
			}
		}
		lit := sqlident.Literal(name)
		back, err := unquoteLiteral(lit)
		if err != nil || back != clean(name) {
			t.Fatalf("Literal(%q) = %s came back as %q, %v", name, lit, back, err)
		}

		err = manifest.ValidateNamespace(ns)
		valid := len(ns) <= manifest.MaxNamespaceLen && namespaceRule.MatchString(ns)
		if (err == nil) != valid {
			t.Fatalf("ValidateNamespace(%q) = %v; the rule says valid=%v", ns, err, valid)
		}
		if err != nil {
			var ne *manifest.NamespaceError
			if !errors.Is(err, manifest.ErrInvalidNamespace) || !errors.As(err, &ne) || len(ne.Reasons) == 0 {
				t.Fatalf("ValidateNamespace(%q): %v is not a *NamespaceError with reasons", ns, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", ns)) {
				t.Fatalf("the error does not quote the name: %v", err)
			}
			return
		}
		if q := sqlident.Quote(ns); q != `"`+ns+`"` {
			t.Fatalf("a valid namespace needed escaping: %s", q)
		}
		n := scope.Namer{Schema: ns}
		table := n.TableName(name)
		if lower := strings.ToLower(name); plainTable.MatchString(lower) {
			if table != ns+"."+lower {
				t.Fatalf("TableName(%q) = %q, want %q", name, table, ns+"."+lower)
			}
		}
	})
}
