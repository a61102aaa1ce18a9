package customdata_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeSnippetsAreCompiledCode checks that every ```go block of
// README.md stands, line for line (indentation, blank lines and comments
// aside), in a .go file of this module that is compiled and tested, so the
// README cannot drift from code that works.
func TestReadmeSnippetsAreCompiledCode(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "README.md has Go snippets")

	var sources []string
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".go") && path != "readme_test.go" {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources = append(sources, "\n"+strings.Join(codeLines(string(b)), "\n")+"\n")
		}
		return nil
	})
	require.NoError(t, err)

	for _, b := range blocks {
		snippet := "\n" + strings.Join(codeLines(b[1]), "\n") + "\n"
		found := false
		for _, src := range sources {
			if strings.Contains(src, snippet) {
				found = true
				break
			}
		}
		assert.True(t, found, "README snippet not found in any .go file:\n%s", b[1])
	}
}

// codeLines returns s's lines trimmed, without blank and comment lines.
func codeLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "//") {
			continue
		}
		out = append(out, l)
	}
	return out
}
