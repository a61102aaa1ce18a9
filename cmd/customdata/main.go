// Command customdata administers custom data: it validates plugin manifests
// and manages the namespaces of a platform database, as Canvas's
// `canvas validate-manifest` and `canvas namespace` commands do.
//
// Usage:
//
//	customdata validate [PATH]
//	customdata namespace list [-json]
//	customdata namespace inspect [-json] NAME
//	customdata namespace reset [-apply] NAME
//	customdata namespace drop [-apply] NAME
//	customdata namespace add-key -access read|read_write [-description TEXT] NAME
//	customdata namespace rotate-keys NAME
//	customdata help
//
// validate checks a CANVAS_MANIFEST.json, given as the file or as the plugin
// directory holding it (default "."). It prints "valid" and every warning
// with its JSON path, or every problem with its JSON path and exits 1.
//
// The namespace commands connect to the database named by the
// -database-url flag or, without it, the DATABASE_URL environment variable,
// as a user that may create schemas and roles:
//
//   - list shows every namespace with its table count, custom table count,
//     row estimate and number of keys;
//   - inspect shows a namespace's tables, row estimates, columns and types;
//   - reset drops the custom tables, empties the attribute tables and the
//     schema versions, and keeps the keys;
//   - drop removes the namespace: schema, tables, rows, keys and roles;
//   - add-key makes one more key of the given access level;
//   - rotate-keys replaces every key with a fresh read and read_write pair,
//     refusing the old keys from then on.
//
// reset and drop are dry runs unless -apply is given: they print the SQL
// they would run and change nothing. list and inspect print JSON with
// -json. Keys are printed once; the database keeps only their SHA-256
// digests, so store them (as the plugins' namespace_read_access_key or
// namespace_read_write_access_key secret) when they are shown.
//
// Flags may come before or after NAME. The exit status is 0 on success, 1
// when the operation failed or was refused (the reason is on stderr), and 2
// for a usage error (the usage is on stderr).
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
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	programName = "customdata"
)

// env is what a command runs with.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
	getenv         func(string) string
}

// run runs the command line args (without the program name) and returns the
// exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: getenv}
	return e.exit(e.dispatch(args))
}

// dispatch runs the top-level command named by args[0].
func (e *env) dispatch(args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "no command given", usage: mainUsage}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return &helpRequest{usage: mainUsage}
	case "validate":
		return e.validate(args[1:])
	case "namespace":
		return e.namespace(args[1:])
	default:
		return &usageError{msg: fmt.Sprintf("unknown command %q", args[0]), usage: mainUsage}
	}
}

// exit reports err where it belongs and returns the exit status.
func (e *env) exit(err error) int {
	var help *helpRequest
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &help):
		fmt.Fprint(e.stdout, help.usage)
		return exitOK
	case errors.As(err, &usage):
		fmt.Fprintf(e.stderr, "%s: %s\n\n%s", programName, usage.msg, usage.usage)
		return exitUsage
	default:
		// The SDK's errors start with "customdata: " already.
		fmt.Fprintf(e.stderr, "%s: %s\n", programName, strings.TrimPrefix(err.Error(), programName+": "))
		return exitFailed
	}
}
