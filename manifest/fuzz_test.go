package manifest_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/canvas-sdk-go/customdata/manifest"
)

// FuzzParse checks that Parse never panics and always gives exactly one of a manifest or an error of
// the documented kinds, and that a manifest it accepts survives a marshal/parse round trip.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "manifests", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed manifests: %v", err)
	}
	files = append(files, filepath.Join("testdata", "invalid", manifest.FileName))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte(`{"custom_data": {"namespace": "a__b", "access": "read"}, "tags": [], "components": {}}`))
	f.Add([]byte(`{"a": 1, "a": 2}`))
	f.Add([]byte(""))

	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := manifest.Parse(data)
		if (m == nil) == (err == nil) {
			t.Fatalf("Parse returned manifest %v and error %v: exactly one must be nil", m, err)
		}
		if err != nil {
			var ve *manifest.ValidationError
			var se *manifest.SyntaxError
			switch {
			case errors.As(err, &ve):
				if len(ve.Problems) == 0 {
					t.Fatal("a ValidationError without problems")
				}
				for _, p := range ve.Problems {
					if p.Message == "" || p.Line < 1 || p.Column < 1 {
						t.Fatalf("incomplete problem %#v", p)
					}
				}
			case errors.As(err, &se):
				if se.Line < 1 || se.Column < 1 {
					t.Fatalf("syntax error without a position: %#v", se)
				}
			default:
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if m.CustomData != nil {
			if err := manifest.ValidateNamespace(m.CustomData.Namespace); err != nil {
				t.Fatalf("accepted a manifest with namespace %q: %v", m.CustomData.Namespace, err)
			}
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := manifest.Parse(out); err != nil {
			t.Fatalf("the marshalled manifest does not parse: %v\n%s", err, out)
		}
	})
}
