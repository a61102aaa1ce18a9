package main

import (
	"flag"
	"fmt"
	"strings"
)

// mainUsage is the program's usage, printed by help and on usage errors.
var mainUsage = `usage: customdata COMMAND [ARGS]

Commands:
  validate [PATH]                       check a CANVAS_MANIFEST.json (file or plugin directory, default ".")
  namespace list [-json]                list the namespaces of the database
  namespace inspect [-json] NAME        show a namespace's tables, columns and types
  namespace reset [-apply] NAME         drop custom tables, empty attribute tables, keep keys (dry run without -apply)
  namespace drop [-apply] NAME          drop schema, data, keys and roles (dry run without -apply)
  namespace add-key -access read|read_write [-description TEXT] NAME
                                        make one more key for a namespace
  namespace rotate-keys NAME            replace every key of a namespace with a fresh pair
  help                                  show this help

The namespace commands connect to -database-url URL, or to $DATABASE_URL
when the flag is not given. Flags may come before or after NAME.
Run "customdata COMMAND -h" for a command's flags.

Exit status: 0 success, 1 the operation failed or was refused, 2 usage error.
`

// commandUsage renders the usage of one command: its synopsis, what it
// does, and its flags.
func commandUsage(synopsis, summary string, fs *flag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s %s\n\n%s\n", programName, synopsis, summary)
	if defaults := flagDefaults(fs); defaults != "" {
		fmt.Fprintf(&b, "\nFlags:\n%s", defaults)
	}
	return b.String()
}
