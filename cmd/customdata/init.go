package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/canvas-sdk-go/customdata/manifest"
)

//go:embed skeleton/*.tmpl
var skeleton embed.FS

const sdkModule = "github.com/canvas-sdk-go/customdata"

const initLong = `init scaffolds a plugin in a new directory NAME, as canvas init does for
Python: a CANVAS_MANIFEST.json declaring custom_data (namespace
my_org__NAME unless --namespace says otherwise, access read_write), a
models file, a handler, a test that uses customdatatest, a README and a
go.mod. Then it runs "go mod tidy" there (unless --no-tidy), so that
"go test ./..." passes as generated.

NAME starts with a lowercase letter and has only lowercase letters, digits
and underscores. The SDK comes from --sdk, a local checkout of
github.com/canvas-sdk-go/customdata (by default the checkout this program
was built from, when it can tell), through a replace directive; without one
go.mod requires the version this program was built as.`

// initOut is the JSON of init.
type initOut struct {
	Dir       string   `json:"dir"`
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Package   string   `json:"package"`
	Module    string   `json:"module"`
	SDKDir    string   `json:"sdk_dir,omitempty"`
	Files     []string `json:"files"`
	Tidied    bool     `json:"tidied"`
}

// skeletonData fills the templates.
type skeletonData struct {
	Name, Namespace, Secret, Package, Module, GoVersion, SDKVersion, SDKDir string
}

var pluginName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (e *env) initCommand() *cobra.Command {
	var ns, module, sdkDir string
	var noTidy bool
	c := &cobra.Command{
		Use:   "init NAME",
		Short: "Scaffold a plugin: manifest, models, handler and a test that passes",
		Long:  initLong,
		Example: `  customdata init my_plugin && cd my_plugin && go test ./...
  customdata init rooms --namespace acme__rooms --module example.com/acme/rooms`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if !pluginName.MatchString(name) || len(name) > 50 {
				return &usageError{msg: fmt.Sprintf("init: plugin name %q: start with a lowercase letter and use only lowercase letters, digits and underscores (at most 50)", name)}
			}
			if ns == "" {
				ns = "my_org__" + name
			}
			if err := manifest.ValidateNamespace(ns); err != nil {
				return &usageError{msg: "init: --namespace: " + err.Error()}
			}
			d := skeletonData{
				Name: name, Namespace: ns, Secret: manifest.ReadWriteAccessKey,
				Package: strings.ReplaceAll(name, "_", ""), Module: module,
				GoVersion: goVersion(), SDKVersion: "v0.0.0-00010101000000-000000000000",
			}
			if d.Module == "" {
				d.Module = name
			}
			var err error
			if d.SDKDir, err = findSDK(sdkDir); err != nil {
				return err
			}
			if v := buildVersion().Version; d.SDKDir == "" && v != "(devel)" {
				d.SDKVersion = v
			}
			out, err := scaffold(name, d)
			if err != nil {
				return err
			}
			if !noTidy {
				if err := tidy(name); err != nil {
					hint := ""
					if d.SDKDir == "" {
						hint = ", or init again with --sdk pointing at a checkout of " + sdkModule
					}
					return fmt.Errorf("customdata: init: the plugin is in %q, but %w; run \"go mod tidy\" there%s", name, err, hint)
				}
				out.Tidied = true
			}
			if e.json {
				return writeJSON(e.stdout, out)
			}
			fmt.Fprintf(e.stdout, "created plugin %q in %s (namespace %s, Go package %s):\n", name, out.Dir, ns, d.Package)
			for _, f := range out.Files {
				fmt.Fprintf(e.stdout, "  %s\n", f)
			}
			if d.SDKDir != "" {
				fmt.Fprintf(e.stdout, "go.mod takes the SDK from %s (a replace directive)\n", d.SDKDir)
			}
			next := "  cd " + name + " && go test ./..."
			if !out.Tidied {
				next = "  cd " + name + " && go mod tidy && go test ./..."
			}
			_, err = fmt.Fprintf(e.stdout, "next:\n%s\n  customdata validate %s\n", next, name)
			return err
		},
	}
	c.Flags().StringVar(&ns, "namespace", "", `the custom-data namespace (default "my_org__NAME")`)
	c.Flags().StringVar(&module, "module", "", "the Go module path (default NAME)")
	c.Flags().StringVar(&sdkDir, "sdk", "", "a local checkout of the customdata SDK, for go.mod's replace (default: the one this program was built from)")
	c.Flags().BoolVar(&noTidy, "no-tidy", false, `do not run "go mod tidy"`)
	return c
}

// scaffold writes the skeleton into the new directory dir.
func scaffold(dir string, d skeletonData) (*initOut, error) {
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("customdata: init: %q exists already; choose another name or remove it", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("customdata: init: %w", err)
	}
	tmpls, err := fs.Glob(skeleton, "skeleton/*.tmpl")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	var names []string
	for _, t := range tmpls {
		name := strings.TrimSuffix(filepath.Base(t), ".tmpl")
		tpl, err := template.ParseFS(skeleton, t)
		if err != nil {
			return nil, fmt.Errorf("customdata: init: template %s: %w", name, err)
		}
		var b bytes.Buffer
		if err := tpl.Execute(&b, d); err != nil {
			return nil, fmt.Errorf("customdata: init: template %s: %w", name, err)
		}
		src := b.Bytes()
		if strings.HasSuffix(name, ".go") {
			if src, err = format.Source(src); err != nil {
				return nil, fmt.Errorf("customdata: init: template %s: %w", name, err)
			}
		}
		files[name] = src
		names = append(names, name)
	}
	// Refuse a manifest Canvas would refuse before writing anything.
	if _, err := manifest.Parse(files[manifest.FileName]); err != nil {
		return nil, fmt.Errorf("customdata: init: the generated manifest is invalid: %w", err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("customdata: init: %w", err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return nil, fmt.Errorf("customdata: init: %w", err)
		}
	}
	if d.SDKDir != "" {
		// The checkout's go.sum covers every module the plugin needs, so
		// that tidy and the first test need no downloads.
		if sum, err := os.ReadFile(filepath.Join(d.SDKDir, "go.sum")); err == nil {
			if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
				return nil, fmt.Errorf("customdata: init: %w", err)
			}
			names = append(names, "go.sum")
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return &initOut{Dir: abs, Name: d.Name, Namespace: d.Namespace, Package: d.Package, Module: d.Module, SDKDir: d.SDKDir, Files: names}, nil
}

// findSDK returns the SDK checkout for go.mod's replace: flag if given
// (it must be one), else the checkout this program was compiled from, if
// its sources are still there; "" if none.
func findSDK(flag string) (string, error) {
	if flag != "" {
		abs, err := filepath.Abs(flag)
		if err != nil {
			return "", fmt.Errorf("customdata: init: --sdk: %w", err)
		}
		if !isSDK(abs) {
			return "", &usageError{msg: fmt.Sprintf("init: --sdk %q is not a checkout of %s (no go.mod declaring it)", flag, sdkModule)}
		}
		return abs, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "", nil // built with -trimpath
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..")
	if isSDK(dir) {
		return filepath.Clean(dir), nil
	}
	return "", nil
}

// isSDK reports whether dir holds the SDK's go.mod.
func isSDK(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && regexp.MustCompile(`(?m)^module `+regexp.QuoteMeta(sdkModule)+`\s*$`).Match(b)
}

// goVersion is the go directive for go.mod: the language version of the
// SDK (1.26).
func goVersion() string { return "1.26" }

// tidy runs "go mod tidy" in dir.
func tidy(dir string) error {
	cmd := exec.Command("go", "mod", "tidy")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go mod tidy failed: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
