package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestMain stops the throwaway PostgreSQL cluster (if the tests started one)
// when the tests end.
func TestMain(m *testing.M) { testdb.Main(m) }

// result is one run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command line args with the given environment.
func runCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	dsn := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"} // never reached
	cases := []struct {
		name string
		args []string
		want string // the message
		help string // the command whose help is suggested
	}{
		{"no command", nil, "no command given", "customdata"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate" for "customdata"`, "customdata"},
		{"misspelt command", []string{"validat"}, `did you mean "validate"?`, "customdata"},
		{"validate unknown flag", []string{"validate", "--strict", "."}, "validate: unknown flag: --strict", "customdata validate"},
		{"single-dash long flag", []string{"namespace", "list", "-json"}, "long flags take two dashes: --json", "customdata namespace list"},
		{"namespace alone", []string{"namespace"}, "namespace: no command given", "customdata namespace"},
		{"namespace unknown", []string{"namespace", "purge", "acme__x"}, `unknown command "purge" for "customdata namespace"`, "customdata namespace"},
		{"inspect without name", []string{"namespace", "inspect"}, "inspect: missing NAME", "customdata namespace inspect"},
		{"drop two names", []string{"namespace", "drop", "acme__x", "acme__y"}, `drop: unexpected argument "acme__y"`, "customdata namespace drop"},
		{"list with name", []string{"namespace", "list", "acme__x"}, `list: unexpected argument "acme__x"`, "customdata namespace list"},
		{"reset bad flag", []string{"namespace", "reset", "acme__x", "--force"}, "reset: unknown flag: --force", "customdata namespace reset"},
		{"add-key without access", []string{"namespace", "add-key", "acme__x"}, `required flag(s) "access" not set`, "customdata namespace add-key"},
		{"add-key bad access", []string{"namespace", "add-key", "--access", "write", "acme__x"}, `--access "write": want "read" or "read_write"`, "customdata namespace add-key"},
		{"init without name", []string{"init"}, "init: missing NAME", "customdata init"},
		{"init bad name", []string{"init", "My-Plugin"}, `plugin name "My-Plugin"`, "customdata init"},
		{"version with argument", []string{"version", "x"}, `version: unexpected argument "x"`, "customdata version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, dsn, c.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, c.want)
			assert.True(t, strings.HasPrefix(r.stderr, "customdata: "), r.stderr)
			assert.Equal(t, 2, strings.Count(r.stderr, "\n"), "a usage error is two lines, not the whole help:\n%s", r.stderr)
			assert.Contains(t, r.stderr, "Run '"+c.help+" --help' for usage.")
			assert.Empty(t, r.stdout)
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "Available Commands:"},
		{[]string{"--help"}, "Exit status"},
		{[]string{"-h"}, "validate"},
		{[]string{"help", "namespace"}, "rotate-keys"},
		{[]string{"namespace", "--help"}, "rotate-keys"},
		{[]string{"help", "namespace", "inspect"}, "indexes and foreign keys"},
		{[]string{"namespace", "reset", "-h"}, "--apply"},
		{[]string{"namespace", "add-key", "acme__x", "-h"}, "--description string"},
		{[]string{"--json", "help", "validate"}, "validate [PATH...]"},
		{[]string{"help", "init"}, "go mod tidy"},
	}
	for _, c := range cases {
		r := runCmd(t, nil, c.args...)
		assert.Equal(t, exitOK, r.code, "%v", c.args)
		assert.Contains(t, r.stdout, c.want, "%v", c.args)
		assert.Contains(t, r.stdout, "--database-url", "%v: the persistent flags are listed", c.args)
		assert.Empty(t, r.stderr, "%v", c.args)
	}
	// help namespace is the namespace help, not the top one.
	r := runCmd(t, nil, "help", "namespace")
	assert.NotContains(t, r.stdout, "scaffolds plugins")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := runCmd(t, nil, "version")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `^customdata \S+ \(github.com/canvas-sdk-go/customdata, go1\.\d+`, r.stdout)

	r = runCmd(t, nil, "version", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var v versionInfo
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
	assert.NotEmpty(t, v.Version)
	assert.Equal(t, "github.com/canvas-sdk-go/customdata", v.Module)
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := runCmd(t, nil, "completion", shell)
		assert.Equal(t, exitOK, r.code, shell)
		assert.Contains(t, r.stdout, "customdata", shell)
		assert.Empty(t, r.stderr, shell)
	}
	// The shell scripts call back into the program for candidates.
	r := runCmd(t, nil, "__complete", "namespace", "")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, sub := range []string{"list", "inspect", "reset", "drop", "add-key", "rotate-keys"} {
		assert.Contains(t, r.stdout, sub+"\t")
	}
	r = runCmd(t, nil, "__complete", "namespace", "add-key", "acme__x", "--access", "")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "read\n")
	assert.Contains(t, r.stdout, "read_write\n")
}

// A refused connection is reported once, with what to do.
func TestConnectionErrorOnce(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"namespace", "list", "--database-url", "postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=5"},
		{"--database-url", "postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=5", "namespace", "drop", "acme__x", "--apply"},
	} {
		r := runCmd(t, nil, args...)
		assert.Equal(t, exitFailed, r.code)
		assert.Empty(t, r.stdout)
		assert.Equal(t, 1, strings.Count(r.stderr, "connection refused"), r.stderr)
		assert.Equal(t, 1, strings.Count(r.stderr, "customdata: "), r.stderr)
		assert.Contains(t, r.stderr, "--database-url")
	}
}
