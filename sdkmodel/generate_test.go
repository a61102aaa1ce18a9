package sdkmodel_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/sdkmodel/internal/codegen"
)

// The committed generated files are what go generate writes today, and
// there are no others.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("internal", "schema", "canvas-sdk-models.json"))
	require.NoError(t, err)
	files, err := codegen.Generate(data)
	require.NoError(t, err)
	var want []string
	for name, src := range files {
		want = append(want, name)
		committed, err := os.ReadFile(name)
		require.NoError(t, err, "%s is missing: run go generate ./sdkmodel", name)
		assert.True(t, string(src) == string(committed), "%s differs from a fresh generation: run go generate ./sdkmodel", name)
		assert.True(t, strings.HasPrefix(string(committed), "// Code generated "), name)
		assert.Contains(t, strings.SplitN(string(committed), "\n", 2)[0], "DO NOT EDIT.", name)
	}
	got, err := filepath.Glob("*_gen.go")
	require.NoError(t, err)
	sort.Strings(want)
	assert.Equal(t, want, got)
}

// Generating twice gives the same bytes (no map order leaks in).
func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("internal", "schema", "canvas-sdk-models.json"))
	require.NoError(t, err)
	a, err := codegen.Generate(data)
	require.NoError(t, err)
	b, err := codegen.Generate(data)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	_, err = codegen.Generate([]byte(`{"models": []}`))
	assert.Error(t, err)
}
