package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/canvas-sdk-go/customdata/manifest"
)

const validateSummary = `Validate checks a plugin's CANVAS_MANIFEST.json as Canvas does. PATH is the
manifest file or the plugin directory holding it (default "."). A valid
manifest prints "valid" and each warning with its JSON path; an invalid one
prints every problem with its JSON path, line and column, and exits 1.`

// validate runs `customdata validate [PATH]`.
func (e *env) validate(args []string) error {
	fs := newFlagSet("validate")
	usage := commandUsage("validate [PATH]", validateSummary, fs)
	pos, err := parseArgs(fs, args, usage)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		pos = []string{"."}
	}
	if err := wantArgs(pos, usage, "PATH"); err != nil {
		return err
	}
	m, err := manifest.Load(pos[0])
	if err != nil {
		var verr *manifest.ValidationError
		if errors.As(err, &verr) && len(verr.Warnings) > 0 {
			// Say what Canvas would also warn about, after the problems, so
			// that one run shows everything.
			var b strings.Builder
			printWarnings(&b, verr.Warnings)
			return &withWarnings{err: err, warnings: strings.TrimSuffix(b.String(), "\n")}
		}
		return err
	}
	fmt.Fprintf(e.stdout, "valid: %s (plugin %q, version %s)\n", pos[0], m.Name, m.PluginVersion)
	if cd := m.CustomData; cd != nil {
		fmt.Fprintf(e.stdout, "custom data: namespace %s, access %s (secret %s)\n", cd.Namespace, cd.Access, cd.SecretName())
	}
	printWarnings(e.stdout, m.Warnings)
	return nil
}

// printWarnings writes warnings, one per line with its JSON path.
func printWarnings(w io.Writer, warnings []manifest.Problem) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintf(w, "%d %s:\n", len(warnings), plural(len(warnings), "warning", "warnings"))
	for _, p := range warnings {
		fmt.Fprintf(w, "  warning: %s\n", p)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// withWarnings is an invalid manifest's error followed by its warnings.
type withWarnings struct {
	err      error
	warnings string
}

func (e *withWarnings) Error() string { return e.err.Error() + "\n" + e.warnings }

func (e *withWarnings) Unwrap() error { return e.err }
