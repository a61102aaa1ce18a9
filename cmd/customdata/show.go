package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/canvas-sdk-go/customdata/namespace"
)

var listCommand = nsCommand{
	name:     "list",
	synopsis: "[-json]",
	summary: `List shows every namespace of the database: its tables (system tables
included), custom tables, estimated rows (the planner's estimate) and keys.`,
	define: func(fs *flag.FlagSet) nsAction {
		asJSON := fs.Bool("json", false, "print JSON instead of a table")
		return nsAction{run: func(ctx context.Context, m *namespace.Manager, _ string, out io.Writer) error {
			list, err := m.List(ctx)
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(out, summariesJSON(list))
			}
			return writeList(out, list)
		}}
	},
}

var inspectCommand = nsCommand{
	name:     "inspect",
	synopsis: "[-json] NAME",
	summary: `Inspect shows the tables of namespace NAME with their estimated rows and
their columns, types and nullability.`,
	args: []string{"NAME"},
	define: func(fs *flag.FlagSet) nsAction {
		asJSON := fs.Bool("json", false, "print JSON instead of text")
		return nsAction{run: func(ctx context.Context, m *namespace.Manager, name string, out io.Writer) error {
			in, err := m.Inspect(ctx, name)
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(out, inspectionJSON(in))
			}
			return writeInspection(out, in)
		}}
	},
}

// writeList prints namespaces as an aligned table.
func writeList(out io.Writer, list []namespace.Summary) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(out, "no namespaces")
		return err
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAMESPACE\tTABLES\tCUSTOM TABLES\tROWS (EST.)\tKEYS")
	for _, s := range list {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\n", s.Name, s.Tables, s.CustomTables, s.RowEstimate, s.Keys)
	}
	return w.Flush()
}

// writeInspection prints each table with its columns aligned beneath it.
func writeInspection(out io.Writer, in *namespace.Inspection) error {
	custom := 0
	for _, t := range in.Tables {
		if !t.System {
			custom++
		}
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "namespace %s: %d %s, %d custom\n", in.Name, len(in.Tables), plural(len(in.Tables), "table", "tables"), custom)
	for _, t := range in.Tables {
		kind := "custom"
		if t.System {
			kind = "system"
		}
		// A line without tabs ends tabwriter's column block, so each
		// table's columns align among themselves.
		fmt.Fprintf(w, "\n%s (%s table, ~%d rows)\n", t.Name, kind, t.RowEstimate)
		for _, c := range t.Columns {
			null := "not null"
			if c.Nullable {
				null = "null"
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", c.Name, c.Type, null)
		}
	}
	return w.Flush()
}

// writeJSON prints v as indented JSON.
func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// The JSON shapes, with snake_case names as Canvas's JSON uses.
type (
	summaryJSON struct {
		Name         string `json:"name"`
		Tables       int    `json:"tables"`
		CustomTables int    `json:"custom_tables"`
		RowEstimate  int64  `json:"row_estimate"`
		Keys         int    `json:"keys"`
	}
	inspectionOut struct {
		Name   string      `json:"name"`
		Tables []tableJSON `json:"tables"`
	}
	tableJSON struct {
		Name        string       `json:"name"`
		System      bool         `json:"system"`
		RowEstimate int64        `json:"row_estimate"`
		Columns     []columnJSON `json:"columns"`
	}
	columnJSON struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Nullable bool   `json:"nullable"`
	}
)

func summariesJSON(list []namespace.Summary) []summaryJSON {
	out := make([]summaryJSON, 0, len(list)) // [] rather than null when empty
	for _, s := range list {
		out = append(out, summaryJSON(s))
	}
	return out
}

func inspectionJSON(in *namespace.Inspection) inspectionOut {
	out := inspectionOut{Name: in.Name, Tables: make([]tableJSON, 0, len(in.Tables))}
	for _, t := range in.Tables {
		tj := tableJSON{Name: t.Name, System: t.System, RowEstimate: t.RowEstimate, Columns: make([]columnJSON, 0, len(t.Columns))}
		for _, c := range t.Columns {
			tj.Columns = append(tj.Columns, columnJSON(c))
		}
		out.Tables = append(out.Tables, tj)
	}
	return out
}
