package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// keyNote follows every printed key.
const keyNote = `Store the key now, as the plugin's secret: it is shown only this once;
the database keeps only its SHA-256 digest.`

var addKeyCommand = nsCommand{
	name:     "add-key",
	synopsis: "-access read|read_write [-description TEXT] NAME",
	summary: `add-key makes one more key for namespace NAME with the given access level
and prints it once. Existing keys keep working.`,
	args: []string{"NAME"},
	define: func(fs *flag.FlagSet) nsAction {
		access := fs.String("access", "", `the key's access level: "read" or "read_write" (required)`)
		description := fs.String("description", "", "what the key is for, stored beside its digest")
		return nsAction{
			check: func() error {
				if *access == "" {
					return fmt.Errorf("-access is required: %q or %q", manifest.Read, manifest.ReadWrite)
				}
				if !manifest.Access(*access).Valid() {
					return fmt.Errorf("-access %q: want %q or %q", *access, manifest.Read, manifest.ReadWrite)
				}
				return nil
			},
			run: func(ctx context.Context, m *namespace.Manager, name string, out io.Writer) error {
				level := manifest.Access(*access)
				key, err := m.AddKey(ctx, name, level, *description)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "new %s key for namespace %s:\n", level, name)
				w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintf(w, "  %s\t%s\n", level.SecretName(), key)
				if err := w.Flush(); err != nil {
					return err
				}
				_, err = fmt.Fprintln(out, keyNote)
				return err
			},
		}
	},
}

var rotateKeysCommand = nsCommand{
	name:     "rotate-keys",
	synopsis: "NAME",
	summary: `rotate-keys replaces every key of namespace NAME with a fresh read and
read_write pair and prints them once. Plugins holding an old key are refused
from then on: update their secrets.`,
	args: []string{"NAME"},
	define: func(fs *flag.FlagSet) nsAction {
		return nsAction{run: func(ctx context.Context, m *namespace.Manager, name string, out io.Writer) error {
			keys, err := m.RotateKeys(ctx, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "every old key of namespace %s is revoked; the new keys:\n", name)
			w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "  %s\t%s\n", manifest.ReadAccessKey, keys.Read)
			fmt.Fprintf(w, "  %s\t%s\n", manifest.ReadWriteAccessKey, keys.ReadWrite)
			if err := w.Flush(); err != nil {
				return err
			}
			_, err = fmt.Fprintln(out, "Store the keys now, as the plugins' secrets: they are shown only this once;\nthe database keeps only their SHA-256 digests.")
			return err
		}}
	},
}
