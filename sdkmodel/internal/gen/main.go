// Command gen writes package sdkmodel's generated files (models_gen.go,
// tables_gen.go, choices_gen.go) from internal/schema/canvas-sdk-models.json.
// go generate runs it in the sdkmodel directory.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/canvas-sdk-go/customdata/sdkmodel/internal/codegen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sdkmodel gen:", err)
		os.Exit(1)
	}
}

func run() error {
	data, err := os.ReadFile(filepath.Join("internal", "schema", "canvas-sdk-models.json"))
	if err != nil {
		return err
	}
	files, err := codegen.Generate(data)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := os.WriteFile(n, files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}
