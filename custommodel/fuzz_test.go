package custommodel_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// ddlName matches the index and table names DDL writes: a quoted
// identifier without quotes inside.
var ddlName = regexp.MustCompile(`(?:INDEX IF NOT EXISTS|TABLE IF NOT EXISTS|ALTER TABLE) "([^"]*)"`)

// FuzzDDLNames checks custom model naming against any namespace: DDL
// accepts exactly the namespaces ValidateNamespace accepts (and refuses the
// others with ErrDeclaration and no statements), names every table inside
// the quoted namespace, keeps every index name within PostgreSQL's 63
// bytes, and gives the same statements every time.
func FuzzDDLNames(f *testing.F) {
	for _, ns := range []string{"acme__booking", "my_org__hello_custom_data", "a__" + strings.Repeat("b", 60), "Acme__x", `a__b"; DROP TABLE x; --`, "a__b\n", ""} {
		f.Add(ns)
	}
	f.Fuzz(func(t *testing.T, ns string) {
		models := []any{&Booking{}, &Room{}, &EveryType{}, &CustomNote{}, &NoteTag{}}
		stmts, err := custommodel.DDL(ns, models...)
		if verr := manifest.ValidateNamespace(ns); verr != nil {
			if err == nil || !errors.Is(err, custommodel.ErrDeclaration) || stmts != nil {
				t.Fatalf("DDL(%q) = %d statements, %v; want ErrDeclaration (the namespace is invalid: %v)", ns, len(stmts), err, verr)
			}
			return
		}
		if err != nil {
			t.Fatalf("DDL(%q): %v", ns, err)
		}
		qns := sqlident.Quote(ns) + "."
		for _, s := range stmts {
			if !strings.Contains(s, " ON "+qns) && !strings.Contains(s, "TABLE IF NOT EXISTS "+qns) && !strings.HasPrefix(s, "ALTER TABLE "+qns) {
				t.Fatalf("statement outside namespace %s: %s", qns, s)
			}
			for _, m := range ddlName.FindAllStringSubmatch(s, -1) {
				if len(m[1]) > 63 {
					t.Fatalf("name %q is longer than 63 bytes: %s", m[1], s)
				}
			}
		}
		again, err := custommodel.DDL(ns, models...)
		if err != nil || !slices.Equal(stmts, again) {
			t.Fatalf("DDL(%q) is not deterministic: %v", ns, err)
		}
	})
}
