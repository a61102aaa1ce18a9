package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/manifest"
)

const testdata = "../../manifest/testdata"

func TestValidateAcceptsCorpus(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(testdata, "manifests", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	warned := 0
	for _, f := range files {
		m, err := manifest.Load(f)
		require.NoError(t, err, f)
		r := runCmd(t, nil, "validate", f)
		assert.Equal(t, exitOK, r.code, "%s: %s", f, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "valid: "+f), "%s: %s", f, r.stdout)
		assert.Empty(t, r.stderr, f)
		for _, w := range m.Warnings {
			warned++
			assert.Contains(t, r.stdout, "warning: "+w.String(), f)
		}
		if m.CustomData != nil {
			assert.Contains(t, r.stdout, "namespace "+m.CustomData.Namespace, f)
		}
	}
	assert.NotZero(t, warned, "the corpus has warnings to show")
}

func TestValidateRefusesInvalid(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testdata, "invalid")
	_, err := manifest.Load(dir)
	var verr *manifest.ValidationError
	require.ErrorAs(t, err, &verr)
	require.NotEmpty(t, verr.Problems)

	for _, path := range []string{dir, filepath.Join(dir, manifest.FileName)} {
		r := runCmd(t, nil, "validate", path)
		assert.Equal(t, exitFailed, r.code, path)
		assert.Empty(t, r.stdout, path)
		assert.Contains(t, r.stderr, "is not a valid Canvas manifest", path)
		for _, p := range verr.Problems {
			require.NotEmpty(t, p.Path)
			assert.Contains(t, r.stderr, "\n  "+p.Path+": ", "%s: problem at %s", path, p.Path)
		}
		for _, w := range verr.Warnings {
			assert.Contains(t, r.stderr, "warning: "+w.String(), path)
		}
	}
}

func TestValidateSeveralPaths(t *testing.T) {
	t.Parallel()
	good := filepath.Join(testdata, "manifests", "custom_data_uat.json")
	bad := filepath.Join(testdata, "invalid")
	r := runCmd(t, nil, "validate", good, "../../examples/hello-custom-data")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, 2, strings.Count(r.stdout, "valid: "), r.stdout)

	r = runCmd(t, nil, "validate", good, bad)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "valid: "+good)
	assert.Contains(t, r.stderr, "is not a valid Canvas manifest")
	assert.True(t, strings.HasSuffix(r.stderr, "customdata: 1 of 2 manifests invalid\n"), r.stderr)

	r = runCmd(t, nil, "--json", "validate", good, bad)
	assert.Equal(t, exitFailed, r.code)
	var results []validation
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &results))
	require.Len(t, results, 2)
	assert.True(t, results[0].Valid)
	assert.Equal(t, "custom_data_uat", results[0].Name)
	require.NotNil(t, results[0].CustomData)
	assert.False(t, results[1].Valid)
	assert.NotEmpty(t, results[1].Problems)
	assert.NotEmpty(t, results[1].Problems[0].Path)
	assert.Equal(t, "customdata: 1 of 2 manifests invalid\n", r.stderr, "with --json, stderr has the one-line summary")
}

func TestValidateSyntaxAndMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\n  \"name\": \"x\",\n  oops\n}\n"), 0o600))

	r := runCmd(t, nil, "validate", bad)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "is not valid JSON: line 3")
	assert.Empty(t, r.stdout)

	r = runCmd(t, nil, "validate", filepath.Join(dir, "absent"))
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "absent")

	r = runCmd(t, nil, "validate", dir) // a directory without a manifest
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, manifest.FileName)
}

// TestValidateDefaultsToCurrentDirectory changes the working directory, so
// it must not run in parallel (the parallel tests wait until it is done).
func TestValidateDefaultsToCurrentDirectory(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testdata, "manifests", "custom_data_uat.json"))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifest.FileName), src, 0o600))
	t.Chdir(dir)

	r := runCmd(t, nil, "validate")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "valid: ."), r.stdout)

	require.NoError(t, os.WriteFile(filepath.Join(dir, manifest.FileName), []byte(`{"name": 1}`), 0o600))
	r = runCmd(t, nil, "validate")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "  name: ")
}
