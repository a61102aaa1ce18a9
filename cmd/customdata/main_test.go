package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

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
		env  map[string]string
		args []string
		want string // in stderr
	}{
		{"no command", nil, nil, "no command given"},
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"validate two paths", nil, []string{"validate", "a", "b"}, `unexpected argument "b"`},
		{"validate unknown flag", nil, []string{"validate", "-strict", "."}, "flag provided but not defined: -strict"},
		{"namespace alone", dsn, []string{"namespace"}, "namespace: no command given"},
		{"namespace unknown", dsn, []string{"namespace", "purge", "acme__x"}, `namespace: unknown command "purge"`},
		{"inspect without name", dsn, []string{"namespace", "inspect"}, "missing NAME"},
		{"drop two names", dsn, []string{"namespace", "drop", "acme__x", "acme__y"}, `unexpected argument "acme__y"`},
		{"list with name", dsn, []string{"namespace", "list", "acme__x"}, `unexpected argument "acme__x"`},
		{"reset bad flag", dsn, []string{"namespace", "reset", "acme__x", "-force"}, "flag provided but not defined: -force"},
		{"add-key without access", dsn, []string{"namespace", "add-key", "acme__x"}, "-access is required"},
		{"add-key bad access", dsn, []string{"namespace", "add-key", "-access", "write", "acme__x"}, `-access "write": want "read" or "read_write"`},
		{"no database", nil, []string{"namespace", "list"}, "no database: pass -database-url URL or set DATABASE_URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, c.env, c.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, c.want)
			assert.Contains(t, r.stderr, "usage: customdata", "the usage follows the message")
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
		{[]string{"help"}, "namespace rotate-keys NAME"},
		{[]string{"-h"}, "validate [PATH]"},
		{[]string{"--help"}, "Exit status"},
		{[]string{"namespace", "-h"}, "usage: customdata namespace COMMAND"},
		{[]string{"namespace", "help"}, "add-key -access read|read_write"},
		{[]string{"namespace", "reset", "-h"}, "-apply"},
		{[]string{"namespace", "add-key", "acme__x", "-h"}, "-description string"},
		{[]string{"validate", "-h"}, "usage: customdata validate [PATH]"},
	}
	for _, c := range cases {
		r := runCmd(t, nil, c.args...)
		assert.Equal(t, exitOK, r.code, "%v", c.args)
		assert.Contains(t, r.stdout, c.want, "%v", c.args)
		assert.Empty(t, r.stderr, "%v", c.args)
	}
}
