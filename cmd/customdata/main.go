// Command customdata administers custom data: it validates plugin manifests,
// scaffolds new plugins and manages the namespaces of a platform database, as
// Canvas's `canvas init`, `canvas validate-manifest` and `canvas namespace`
// commands do.
//
// Usage:
//
//	customdata validate [PATH...]                 check CANVAS_MANIFEST.json files
//	customdata init NAME                          scaffold a plugin in directory NAME
//	customdata namespace list                     list the namespaces
//	customdata namespace inspect NAME             tables, columns, indexes, row counts
//	customdata namespace reset NAME [--apply]     drop custom tables, empty the rest
//	customdata namespace drop NAME [--apply]      remove schema, data, keys and roles
//	customdata namespace add-key NAME --access read|read_write [--description TEXT]
//	customdata namespace rotate-keys NAME [--apply]
//	customdata version
//	customdata completion bash|zsh|fish|powershell
//	customdata help [COMMAND...]
//
// Flags may come anywhere on the line, before or after the command and its
// arguments. Two flags work with every command:
//
//	--json                 print JSON on stdout instead of text
//	--database-url URL     the platform database (default $DATABASE_URL,
//	                       else postgres://postgres@127.0.0.1:5432/postgres)
//
// The namespace commands connect as a user that may create schemas and
// roles. list, inspect and validate change nothing: they read the catalogs
// in a read-only transaction. reset, drop and rotate-keys are dry runs
// unless --apply is given: they print what they would do and change
// nothing. Keys (add-key, rotate-keys --apply) are printed once; the
// database keeps only their SHA-256 digests, so store them (as the plugins'
// namespace_read_access_key or namespace_read_write_access_key secret) when
// they are shown.
//
// Exit status:
//
//	0  success
//	1  the operation failed or was refused, or a manifest is invalid
//	   (the reason is on stderr, once)
//	2  usage error: unknown command or flag, wrong arguments (a one-line
//	   message on stderr, and the command to get help)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

const programName = "customdata"

// env is what a command runs with.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
	getenv         func(string) string

	// The persistent flags.
	json              bool
	databaseURL       string
	transactionPooler bool
}

// run runs the command line args (without the program name) and returns the
// exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: getenv}
	root := e.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	return e.exit(cmd.CommandPath(), err)
}

// usageError is a command line the program cannot run: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// reported is an error whose details the command already printed (a
// manifest's problems); exit prints only its one-line summary.
type reported struct{ summary string }

func (e *reported) Error() string { return e.summary }

// exit prints err once on stderr and returns the exit status. path is the
// command that ran, for the help hint.
func (e *env) exit(path string, err error) int {
	if err == nil {
		return exitOK
	}
	msg := strings.TrimPrefix(err.Error(), programName+": ")
	var usage *usageError
	if errors.As(err, &usage) || isCobraUsageError(err) {
		fmt.Fprintf(e.stderr, "%s: %s\nRun '%s --help' for usage.\n", programName, msg, path)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "%s: %s\n", programName, msg)
	return exitFailed
}

// isCobraUsageError recognizes the few usage errors cobra makes itself.
func isCobraUsageError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command ") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.HasPrefix(s, "invalid argument ") ||
		strings.HasPrefix(s, "flag needs an argument") || strings.HasPrefix(s, "required flag")
}
