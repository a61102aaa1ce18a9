package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const rootLong = `customdata validates Canvas plugin manifests, scaffolds plugins written
with the customdata Go SDK, and manages the custom-data namespaces of a
platform database.

Flags may come anywhere on the line. --json prints JSON on stdout;
--database-url (default $DATABASE_URL, else the server on localhost:5432)
names the database of the namespace commands.

Exit status: 0 success; 1 the operation failed or was refused, or a manifest
is invalid; 2 usage error.`

// rootCommand builds the command tree, bound to e.
func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           programName,
		Short:         "Validate manifests and manage custom-data namespaces",
		Long:          rootLong,
		SilenceErrors: true, // exit prints each error once
		SilenceUsage:  true, // a usage error is one line, not the whole help
		Args:          noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return &usageError{msg: "no command given"}
		},
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.BoolVar(&e.json, "json", false, "print JSON on stdout instead of text")
	pf.StringVar(&e.databaseURL, "database-url", "", "the platform database (default $DATABASE_URL, else localhost:5432)")
	pf.BoolVar(&e.transactionPooler, "transaction-pooler", false, "the database URL reaches PostgreSQL through a transaction pooler (PgBouncer in transaction mode)")
	root.AddCommand(e.validateCommand(), e.initCommand(), e.namespaceCommand(), e.versionCommand())
	return root
}

// noArgs refuses arguments where a subcommand is expected, naming the
// closest command.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return &usageError{msg: msg}
}

// exactArgs wants the named positional arguments.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return &usageError{msg: fmt.Sprintf("%s: missing %s", cmd.Name(), strings.Join(names[len(args):], " "))}
		case len(args) > len(names):
			return &usageError{msg: fmt.Sprintf("%s: unexpected argument %q", cmd.Name(), args[len(names)])}
		}
		return nil
	}
}

// flagError makes pflag's errors usage errors and helps with the
// single-dash long flags of Go's flag package (-json for --json).
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown shorthand flag") {
		var long string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(msg, "in -"+f.Name) {
				long = f.Name
			}
		})
		if long != "" {
			msg += fmt.Sprintf("; long flags take two dashes: --%s", long)
		}
	}
	return &usageError{msg: cmd.Name() + ": " + msg}
}

// writeJSON prints v as indented JSON.
func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
