package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/pgdiscover"
)

const namespaceLong = `The namespace commands manage the custom-data namespaces of a platform
database: PostgreSQL schemas holding a plugin's tables, its attribute hubs
and its access keys.

They connect to --database-url, else $DATABASE_URL, else the server on
localhost:5432, as a user that may create schemas and roles. list and
inspect only read (in a read-only transaction). reset, drop and rotate-keys
are dry runs unless --apply is given.`

func (e *env) namespaceCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "namespace",
		Aliases: []string{"ns"},
		Short:   "List, inspect, reset and drop namespaces; manage their keys",
		Long:    namespaceLong,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return &usageError{msg: "namespace: no command given"}
		},
	}
	c.AddCommand(e.listCommand(), e.inspectCommand(), e.destructiveCommand("reset"), e.destructiveCommand("drop"),
		e.addKeyCommand(), e.rotateKeysCommand())
	return c
}

// connect finds the database: --database-url, else DATABASE_URL, else
// localhost:5432 (never a throwaway cluster: it would vanish with the work).
func (e *env) connect() (*pgdiscover.Server, error) {
	return pgdiscover.FindWithOptions(e.ctx, pgdiscover.Options{
		DSN: e.databaseURL, DSNName: "--database-url", Getenv: e.getenv, NoThrowaway: true,
	})
}

// readOnly connects and runs fn in a read-only transaction.
func (e *env) readOnly(fn func(ctx context.Context, tx *sql.Tx) error) error {
	srv, err := e.connect()
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()
	return readOnly(e.ctx, srv.DB, func(tx *sql.Tx) error { return fn(e.ctx, tx) })
}

// manager connects as the platform's admin, once the namespace is known to
// exist (checked read-only, so that a refusal changes nothing).
func (e *env) manager(name string) (*namespace.Manager, error) {
	srv, err := e.connect()
	if err != nil {
		return nil, err
	}
	defer func() { _ = srv.Close() }()
	if err := readOnly(e.ctx, srv.DB, func(tx *sql.Tx) error { return requireNamespace(e.ctx, tx, name) }); err != nil {
		return nil, err
	}
	m, err := namespace.NewManagerWithConfig(e.ctx, namespace.Config{DSN: srv.DSN, TransactionPooler: e.transactionPooler})
	if errors.Is(err, namespace.ErrTransactionPooler) {
		return nil, fmt.Errorf("%w (pass --transaction-pooler)", err)
	}
	return m, err
}

// nameArg checks the NAME argument before anything connects.
func nameArg(cmd *cobra.Command, args []string) error {
	if err := exactArgs("NAME")(cmd, args); err != nil {
		return err
	}
	if err := manifest.ValidateNamespace(args[0]); err != nil {
		return fmt.Errorf("customdata: %w", err)
	}
	return nil
}

// namespaceNames completes NAME from the database, when it answers.
func (e *env) completeNames(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	_ = e.readOnly(func(ctx context.Context, tx *sql.Tx) error {
		var err error
		names, err = namespaceNames(ctx, tx)
		return err
	})
	return names, cobra.ShellCompDirectiveNoFileComp
}

func (e *env) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the namespaces of the database",
		Long: `list shows every namespace of the database: its tables (system tables
included), custom tables, rows in all of them (counted, not estimated) and
keys. It changes nothing.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.readOnly(func(ctx context.Context, tx *sql.Tx) error {
				l, err := list(ctx, tx)
				if err != nil {
					return err
				}
				if e.json {
					return writeJSON(e.stdout, l)
				}
				return writeList(e.stdout, l)
			})
		},
	}
}

func (e *env) inspectCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect NAME",
		Short: "Show a namespace's tables: columns, indexes, foreign keys, rows",
		Long: `inspect shows the tables of namespace NAME with their row counts (counted,
not estimated), columns and types, indexes and foreign keys, and how many
keys the namespace has. It changes nothing.`,
		Example:           `  customdata namespace inspect my_org__hello_custom_data`,
		Args:              nameArg,
		ValidArgsFunction: e.completeNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.readOnly(func(ctx context.Context, tx *sql.Tx) error {
				in, err := inspect(ctx, tx, args[0])
				if err != nil {
					return err
				}
				if e.json {
					return writeJSON(e.stdout, in)
				}
				return writeInspection(e.stdout, in)
			})
		},
	}
}

// writeList prints namespaces as an aligned table.
func writeList(out io.Writer, l []summaryOut) error {
	if len(l) == 0 {
		_, err := fmt.Fprintln(out, "no namespaces")
		return err
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAMESPACE\tTABLES\tCUSTOM TABLES\tROWS\tKEYS")
	for _, s := range l {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\n", s.Name, s.Tables, s.CustomTables, s.Rows, s.Keys)
	}
	return w.Flush()
}

// writeInspection prints each table with its columns, indexes and foreign
// keys aligned beneath it; custom tables first.
func writeInspection(out io.Writer, in *inspectionOut) error {
	custom := 0
	for _, t := range in.Tables {
		if !t.System {
			custom++
		}
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "namespace %s: %d %s (%d custom), %d %s (%d read, %d read_write)\n", in.Name,
		len(in.Tables), plural(len(in.Tables), "table", "tables"), custom,
		in.Keys.total(), plural(in.Keys.total(), "key", "keys"), in.Keys.Read, in.Keys.ReadWrite)
	for _, system := range []bool{false, true} {
		for _, t := range in.Tables {
			if t.System != system {
				continue
			}
			kind := "custom"
			if t.System {
				kind = "system"
			}
			// A line without tabs ends tabwriter's column block, so each
			// section aligns among itself.
			fmt.Fprintf(w, "\n%s (%s table, %d %s)\n", t.Name, kind, t.Rows, plural(int(t.Rows), "row", "rows"))
			fmt.Fprintln(w, "  columns:")
			for _, c := range t.Columns {
				null := "not null"
				if c.Nullable {
					null = "null"
				}
				line := "    " + c.Name + "\t" + c.Type + "\t" + null
				switch {
				case strings.HasPrefix(c.Default, "generated "):
					line += "\t" + c.Default
				case c.Default != "":
					line += "\tdefault " + c.Default
				}
				fmt.Fprintln(w, line)
			}
			if len(t.Indexes) > 0 {
				fmt.Fprintln(w, "  indexes:")
				for _, ix := range t.Indexes {
					kind := ""
					switch {
					case ix.Primary:
						kind = "primary key, "
					case ix.Unique:
						kind = "unique, "
					}
					fmt.Fprintf(w, "    %s\t%s%s\n", ix.Name, kind, ix.Definition)
				}
			}
			if len(t.ForeignKeys) > 0 {
				fmt.Fprintln(w, "  foreign keys:")
				for _, fk := range t.ForeignKeys {
					fmt.Fprintf(w, "    %s\t%s\n", fk.Name, fk.Definition)
				}
			}
		}
	}
	return w.Flush()
}

// planOut is the JSON of reset and drop.
type planOut struct {
	Namespace  string   `json:"namespace"`
	Action     string   `json:"action"`
	Applied    bool     `json:"applied"`
	Statements []string `json:"statements"`
}

// destructiveCommand is reset or drop: a plan, carried out only with --apply.
func (e *env) destructiveCommand(verb string) *cobra.Command {
	var apply bool
	long := map[string]string{
		"reset": `reset drops the custom tables of namespace NAME, empties its attribute tables
and schema versions, and keeps its keys and roles. Without --apply it is a
dry run: it prints the statements it would run and changes nothing.`,
		"drop": `drop removes namespace NAME: its schema with every table and row, its keys
and its roles. Without --apply it is a dry run: it prints the statements it
would run and changes nothing.`,
	}[verb]
	short := map[string]string{
		"reset": "Drop custom tables, empty attribute tables, keep keys (dry run without --apply)",
		"drop":  "Remove schema, data, keys and roles (dry run without --apply)",
	}[verb]
	c := &cobra.Command{
		Use:               verb + " NAME",
		Short:             short,
		Long:              long,
		Example:           fmt.Sprintf("  customdata namespace %s acme__rooms            # the plan\n  customdata namespace %s acme__rooms --apply    # carry it out", verb, verb),
		Args:              nameArg,
		ValidArgsFunction: e.completeNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			m, err := e.manager(name)
			if err != nil {
				return err
			}
			defer func() { _ = m.Close() }()
			op := m.Reset
			if verb == "drop" {
				op = m.Drop
			}
			plan, err := op(e.ctx, name, namespace.DestructiveOptions{Apply: apply})
			if err != nil {
				return err
			}
			if e.json {
				return writeJSON(e.stdout, planOut{Namespace: name, Action: verb, Applied: plan.Applied, Statements: plan.Statements})
			}
			return writePlan(e.stdout, verb, plan)
		},
	}
	c.Flags().BoolVar(&apply, "apply", false, "carry the plan out (without it, a dry run)")
	return c
}

// writePlan prints a plan's statements and whether they ran.
func writePlan(out io.Writer, verb string, plan *namespace.Plan) error {
	if plan.Applied {
		fmt.Fprintf(out, "%s of namespace %s ran:\n", verb, plan.Namespace)
	} else {
		fmt.Fprintf(out, "%s of namespace %s would run:\n", verb, plan.Namespace)
	}
	for _, s := range plan.Statements {
		fmt.Fprintf(out, "  %s;\n", s)
	}
	var err error
	if plan.Applied {
		past := map[string]string{"drop": "dropped", "reset": "reset"}[verb]
		_, err = fmt.Fprintf(out, "done: namespace %s %s\n", plan.Namespace, past)
	} else {
		_, err = fmt.Fprintln(out, "dry run: nothing changed; run again with --apply")
	}
	return err
}

// keyNote follows every printed key.
const keyNote = `Store it now, as the plugin's secret: it is shown only this once;
the database keeps only its SHA-256 digest.`

// addKeyOut is the JSON of add-key.
type addKeyOut struct {
	Namespace string `json:"namespace"`
	Access    string `json:"access"`
	Secret    string `json:"secret"`
	Key       string `json:"key"`
}

func (e *env) addKeyCommand() *cobra.Command {
	var access, description string
	c := &cobra.Command{
		Use:   "add-key NAME --access read|read_write",
		Short: "Make one more key for a namespace",
		Long: `add-key makes one more key for namespace NAME with the given access level
and prints it once. Existing keys keep working.`,
		Example:           `  customdata namespace add-key acme__rooms --access read --description "reporting plugin"`,
		Args:              nameArg,
		ValidArgsFunction: e.completeNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			level := manifest.Access(access)
			if !level.Valid() {
				return &usageError{msg: fmt.Sprintf("add-key: --access %q: want %q or %q", access, manifest.Read, manifest.ReadWrite)}
			}
			name := args[0]
			m, err := e.manager(name)
			if err != nil {
				return err
			}
			defer func() { _ = m.Close() }()
			key, err := m.AddKey(e.ctx, name, level, description)
			if err != nil {
				return err
			}
			if e.json {
				return writeJSON(e.stdout, addKeyOut{Namespace: name, Access: access, Secret: level.SecretName(), Key: key})
			}
			fmt.Fprintf(e.stdout, "new %s key for namespace %s:\n", level, name)
			w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "  %s\t%s\n", level.SecretName(), key)
			if err := w.Flush(); err != nil {
				return err
			}
			_, err = fmt.Fprintln(e.stdout, keyNote)
			return err
		},
	}
	c.Flags().StringVar(&access, "access", "", `the key's access level: "read" or "read_write"`)
	c.Flags().StringVar(&description, "description", "", "what the key is for, stored beside its digest")
	_ = c.MarkFlagRequired("access")
	_ = c.RegisterFlagCompletionFunc("access", cobra.FixedCompletions([]string{string(manifest.Read), string(manifest.ReadWrite)}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// rotateOut is the JSON of rotate-keys.
type rotateOut struct {
	Namespace string            `json:"namespace"`
	Applied   bool              `json:"applied"`
	Revokes   keyCounts         `json:"revokes"`
	Keys      map[string]string `json:"keys,omitempty"`
}

func (e *env) rotateKeysCommand() *cobra.Command {
	var apply bool
	c := &cobra.Command{
		Use:   "rotate-keys NAME",
		Short: "Replace every key of a namespace with a fresh pair (dry run without --apply)",
		Long: `rotate-keys replaces every key of namespace NAME with a fresh read and
read_write pair and prints them once. Plugins holding an old key are refused
from then on, and the sessions the old keys opened are ended: update the
plugins' secrets. Without --apply it is a dry run: it says how many keys it
would revoke and changes nothing.`,
		Example:           "  customdata namespace rotate-keys acme__rooms            # what would happen\n  customdata namespace rotate-keys acme__rooms --apply    # do it",
		Args:              nameArg,
		ValidArgsFunction: e.completeNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			var revokes keyCounts
			err := e.readOnly(func(ctx context.Context, tx *sql.Tx) error {
				if err := requireNamespace(ctx, tx, name); err != nil {
					return err
				}
				var err error
				revokes, err = countKeys(ctx, tx, name)
				return err
			})
			if err != nil {
				return err
			}
			res := rotateOut{Namespace: name, Revokes: revokes}
			if apply {
				m, err := e.manager(name)
				if err != nil {
					return err
				}
				defer func() { _ = m.Close() }()
				keys, err := m.RotateKeys(e.ctx, name)
				if err != nil {
					return err
				}
				res.Applied = true
				res.Keys = map[string]string{manifest.ReadAccessKey: keys.Read, manifest.ReadWriteAccessKey: keys.ReadWrite}
			}
			if e.json {
				return writeJSON(e.stdout, res)
			}
			return writeRotation(e.stdout, res)
		},
	}
	c.Flags().BoolVar(&apply, "apply", false, "rotate the keys (without it, a dry run)")
	return c
}

func writeRotation(out io.Writer, r rotateOut) error {
	old := fmt.Sprintf("%d %s (%d read, %d read_write)", r.Revokes.total(), plural(r.Revokes.total(), "key", "keys"), r.Revokes.Read, r.Revokes.ReadWrite)
	if !r.Applied {
		_, err := fmt.Fprintf(out, `rotate-keys of namespace %s would:
  revoke its %s: plugins holding them are refused from then on;
  make a fresh read and read_write pair, printed once;
  give the namespace's roles new passwords and end their sessions.
dry run: nothing changed; run again with --apply
`, r.Namespace, old)
		return err
	}
	fmt.Fprintf(out, "namespace %s: its %s are revoked; the new keys:\n", r.Namespace, old)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, s := range []string{manifest.ReadAccessKey, manifest.ReadWriteAccessKey} {
		fmt.Fprintf(w, "  %s\t%s\n", s, r.Keys[s])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out, strings.NewReplacer("Store it", "Store them", "its SHA-256 digest", "their SHA-256 digests", "the plugin's secret", "the plugins' secrets", "it is shown", "they are shown").Replace(keyNote))
	return err
}
