package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/canvas-sdk-go/customdata/namespace"
)

var resetCommand = nsCommand{
	name:     "reset",
	synopsis: "[-apply] NAME",
	summary: `Reset drops the custom tables of namespace NAME, empties its attribute tables
and schema versions, and keeps its keys and roles. Without -apply it is a dry
run: it prints the statements it would run and changes nothing.`,
	args:   []string{"NAME"},
	define: destructive("reset", (*namespace.Manager).Reset),
}

var dropCommand = nsCommand{
	name:     "drop",
	synopsis: "[-apply] NAME",
	summary: `Drop removes namespace NAME: its schema with every table and row, its keys
and its roles. Without -apply it is a dry run: it prints the statements it
would run and changes nothing.`,
	args:   []string{"NAME"},
	define: destructive("drop", (*namespace.Manager).Drop),
}

// destructive defines reset or drop: a plan, carried out only with -apply.
func destructive(verb string, op func(*namespace.Manager, context.Context, string, namespace.DestructiveOptions) (*namespace.Plan, error)) func(*flag.FlagSet) nsAction {
	return func(fs *flag.FlagSet) nsAction {
		apply := fs.Bool("apply", false, "carry the plan out (without it, a dry run)")
		return nsAction{run: func(ctx context.Context, m *namespace.Manager, name string, out io.Writer) error {
			plan, err := op(m, ctx, name, namespace.DestructiveOptions{Apply: *apply})
			if err != nil {
				return err
			}
			return writePlan(out, verb, plan)
		}}
	}
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
		_, err = fmt.Fprintf(out, "done: namespace %s %s\n", plan.Namespace, pastTense(verb))
	} else {
		_, err = fmt.Fprintln(out, "dry run: nothing changed; run again with -apply")
	}
	return err
}

func pastTense(verb string) string {
	if verb == "drop" {
		return "dropped"
	}
	return verb // "reset"
}
