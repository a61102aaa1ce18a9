package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// nsCommand is one `customdata namespace` subcommand.
type nsCommand struct {
	name     string
	synopsis string // after "namespace <name>"
	summary  string
	// args names the positional arguments.
	args []string
	// define adds the command's own flags to fs and returns the action,
	// which runs once the flags are parsed.
	define func(fs *flag.FlagSet) nsAction
}

// nsAction is a parsed namespace command.
type nsAction struct {
	// check validates the flags before connecting; nil accepts any.
	check func() error
	// run performs the command; name is the NAME argument, if any.
	run func(ctx context.Context, m *namespace.Manager, name string, out io.Writer) error
}

// namespaceCommands lists the subcommands in the order help shows them.
var namespaceCommands = []nsCommand{listCommand, inspectCommand, resetCommand, dropCommand, addKeyCommand, rotateKeysCommand}

// namespaceUsage is the usage of `customdata namespace`.
func namespaceUsage() string {
	var b strings.Builder
	b.WriteString("usage: customdata namespace COMMAND [-database-url URL] [ARGS]\n\nCommands:\n")
	for _, c := range namespaceCommands {
		fmt.Fprintf(&b, "  %s\n", c.name+" "+c.synopsis)
	}
	b.WriteString("\nThe database is -database-url URL, or $DATABASE_URL when the flag is not given.\n")
	b.WriteString(`Run "customdata namespace COMMAND -h" for a command's flags.` + "\n")
	return b.String()
}

// namespace runs `customdata namespace COMMAND ...`.
func (e *env) namespace(args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "namespace: no command given", usage: namespaceUsage()}
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		return &helpRequest{usage: namespaceUsage()}
	}
	for _, c := range namespaceCommands {
		if c.name == args[0] {
			return e.runNamespace(c, args[1:])
		}
	}
	return &usageError{msg: fmt.Sprintf("namespace: unknown command %q", args[0]), usage: namespaceUsage()}
}

// runNamespace parses a subcommand's arguments, connects and runs it.
func (e *env) runNamespace(c nsCommand, args []string) error {
	fs := newFlagSet("namespace " + c.name)
	dsn := fs.String("database-url", "", "the platform database (default $DATABASE_URL)")
	action := c.define(fs)
	usage := commandUsage("namespace "+c.name+" "+c.synopsis, c.summary, fs)
	pos, err := parseArgs(fs, args, usage)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, usage, c.args...); err != nil {
		return err
	}
	if action.check != nil {
		if err := action.check(); err != nil {
			return &usageError{msg: err.Error(), usage: usage}
		}
	}
	if *dsn == "" {
		*dsn = e.getenv("DATABASE_URL")
	}
	if *dsn == "" {
		return &usageError{msg: "no database: pass -database-url URL or set DATABASE_URL", usage: usage}
	}
	var name string
	if len(pos) > 0 {
		name = pos[0]
		if err := manifest.ValidateNamespace(name); err != nil {
			return err // refused before connecting: the name alone is wrong
		}
	}
	m, err := namespace.NewManager(e.ctx, *dsn)
	if err != nil {
		return err // it says "customdata: ..." and what failed
	}
	defer func() { _ = m.Close() }()
	if err := action.run(e.ctx, m, name, e.stdout); err != nil {
		return explain(name, err)
	}
	return nil
}

// explain rewords errors whose plugin-facing message does not fit an
// admin, keeping the sentinel for errors.Is.
func explain(name string, err error) error {
	if errors.Is(err, namespace.ErrNamespaceNotFound) {
		return fmt.Errorf("%w: there is no namespace %q in this database; "+
			"run \"customdata namespace list\" to see the namespaces", namespace.ErrNamespaceNotFound, name)
	}
	return err
}
