package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/manifest"
)

// TestInitScaffoldsAPluginWhoseTestPasses runs init in a temporary
// directory, then the generated plugin's own go vet and go test. It changes
// the working directory, so it does not run in parallel.
func TestInitScaffoldsAPluginWhoseTestPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated module")
	}
	sdk, err := filepath.Abs("../..")
	require.NoError(t, err)
	t.Chdir(t.TempDir())

	r := runCmd(t, nil, "init", "my_plugin")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `created plugin "my_plugin"`)
	assert.Contains(t, r.stdout, "namespace my_org__my_plugin, Go package myplugin")
	assert.Contains(t, r.stdout, "go.mod takes the SDK from "+sdk)
	assert.Contains(t, r.stdout, "cd my_plugin && go test ./...")
	for _, f := range []string{manifest.FileName, "go.mod", "go.sum", "models.go", "handlers.go", "handlers_test.go", "README.md"} {
		assert.FileExists(t, filepath.Join("my_plugin", f))
	}
	gomod, err := os.ReadFile(filepath.Join("my_plugin", "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(gomod), "replace github.com/canvas-sdk-go/customdata => "+sdk)

	m, err := manifest.Load("my_plugin")
	require.NoError(t, err, "the manifest is valid")
	require.NotNil(t, m.CustomData)
	assert.Equal(t, "my_org__my_plugin", m.CustomData.Namespace)
	assert.Equal(t, manifest.ReadWrite, m.CustomData.Access)

	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = "my_plugin"
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s in the generated plugin:\n%s", strings.Join(args, " "), out)
	}

	// A second init of the same name refuses and writes nothing.
	r = runCmd(t, nil, "init", "my_plugin", "--no-tidy")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, `"my_plugin" exists already`)

	// --json, --namespace, --module, --no-tidy.
	r = runCmd(t, nil, "init", "rooms", "--json", "--namespace", "acme__rooms", "--module", "example.com/acme/rooms", "--no-tidy")
	require.Equal(t, exitOK, r.code, r.stderr)
	var out initOut
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.Equal(t, "acme__rooms", out.Namespace)
	assert.Equal(t, "example.com/acme/rooms", out.Module)
	assert.False(t, out.Tidied)
	gomod, err = os.ReadFile(filepath.Join("rooms", "go.mod"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(gomod), "module example.com/acme/rooms\n"))

	r = runCmd(t, nil, "init", "other", "--namespace", "Acme")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `invalid namespace "Acme"`)
	assert.NoDirExists(t, "other")
}
