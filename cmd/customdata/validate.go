package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/canvas-sdk-go/customdata/manifest"
)

const validateLong = `validate checks plugins' CANVAS_MANIFEST.json files as Canvas does. Each
PATH is a manifest file or the plugin directory holding it (default ".").
A valid manifest prints "valid" and each warning with its JSON path; an
invalid one prints every problem with its JSON path, line and column. The
exit status is 1 when any manifest is invalid. validate reads files only.`

func (e *env) validateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check CANVAS_MANIFEST.json files (files or plugin directories)",
		Long:  validateLong,
		Example: `  customdata validate                       # ./CANVAS_MANIFEST.json
  customdata validate plugins/*/            # several plugins at once
  customdata validate --json my_plugin`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if len(paths) == 0 {
				paths = []string{"."}
			}
			results := make([]validation, 0, len(paths))
			invalid := 0
			for _, p := range paths {
				r := validate(p)
				if !r.Valid {
					invalid++
				}
				results = append(results, r)
			}
			if e.json {
				if err := writeJSON(e.stdout, results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					r.print(e.stdout, e.stderr)
				}
			}
			if invalid > 0 {
				return &reported{summary: fmt.Sprintf("%d of %d %s invalid", invalid, len(paths), plural(len(paths), "manifest", "manifests"))}
			}
			return nil
		},
	}
}

// validation is the result of validating one path.
type validation struct {
	Path          string         `json:"path"`
	Valid         bool           `json:"valid"`
	Name          string         `json:"name,omitempty"`
	PluginVersion string         `json:"plugin_version,omitempty"`
	CustomData    *customDataOut `json:"custom_data,omitempty"`
	Error         string         `json:"error,omitempty"`
	Problems      []problemOut   `json:"problems"`
	Warnings      []problemOut   `json:"warnings"`
}

type customDataOut struct {
	Namespace string `json:"namespace"`
	Access    string `json:"access"`
	Secret    string `json:"secret"`
}

type problemOut struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

func problems(ps []manifest.Problem) []problemOut {
	out := make([]problemOut, 0, len(ps))
	for _, p := range ps {
		out = append(out, problemOut(p))
	}
	return out
}

// validate loads the manifest at path.
func validate(path string) validation {
	r := validation{Path: path, Problems: []problemOut{}, Warnings: []problemOut{}}
	m, err := manifest.Load(path)
	if err != nil {
		var verr *manifest.ValidationError
		if errors.As(err, &verr) {
			r.Problems, r.Warnings = problems(verr.Problems), problems(verr.Warnings)
		}
		r.Error = err.Error()
		return r
	}
	r.Valid, r.Name, r.PluginVersion = true, m.Name, m.PluginVersion
	r.Warnings = problems(m.Warnings)
	if cd := m.CustomData; cd != nil {
		r.CustomData = &customDataOut{Namespace: cd.Namespace, Access: string(cd.Access), Secret: cd.SecretName()}
	}
	return r
}

// print writes a valid manifest's report to stdout and an invalid one's to
// stderr: the problems, then what Canvas would also warn about, so that one
// run shows everything.
func (r validation) print(stdout, stderr io.Writer) {
	if !r.Valid {
		fmt.Fprintf(stderr, "%s: %s\n", programName, strings.TrimPrefix(r.Error, programName+": "))
		printWarnings(stderr, r.Warnings)
		return
	}
	fmt.Fprintf(stdout, "valid: %s (plugin %q, version %s)\n", r.Path, r.Name, r.PluginVersion)
	if cd := r.CustomData; cd != nil {
		fmt.Fprintf(stdout, "custom data: namespace %s, access %s (secret %s)\n", cd.Namespace, cd.Access, cd.Secret)
	}
	printWarnings(stdout, r.Warnings)
}

// printWarnings writes warnings, one per line with its JSON path.
func printWarnings(w io.Writer, warnings []problemOut) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintf(w, "%d %s:\n", len(warnings), plural(len(warnings), "warning", "warnings"))
	for _, p := range warnings {
		fmt.Fprintf(w, "  warning: %s\n", manifest.Problem(p))
	}
}
