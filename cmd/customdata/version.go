package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what `customdata version` prints.
type versionInfo struct {
	Version  string `json:"version"`
	Module   string `json:"module"`
	Go       string `json:"go"`
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"`
}

// buildVersion reads the version the Go toolchain stamped in the binary:
// the module version for `go install ...@vX`, "(devel)" for a build from a
// checkout (with its VCS revision when the build recorded one).
func buildVersion() versionInfo {
	v := versionInfo{Version: "(devel)", Module: "github.com/canvas-sdk-go/customdata", Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	if info.Main.Path != "" {
		v.Module = info.Main.Path
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func (e *env) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of customdata",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := buildVersion()
			if e.json {
				return writeJSON(e.stdout, v)
			}
			line := fmt.Sprintf("customdata %s (%s, %s)", v.Version, v.Module, v.Go)
			if v.Revision != "" {
				line += " revision " + v.Revision
				if v.Modified {
					line += " (modified)"
				}
			}
			_, err := fmt.Fprintln(e.stdout, line)
			return err
		},
	}
}
