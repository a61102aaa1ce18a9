package namespace_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// TestPrintingHidesSecrets: a Keys value or pointer, or a Plugin, printed
// with any verb shows no key.
func TestPrintingHidesSecrets(t *testing.T) {
	t.Parallel()
	const r, rw = "read-key-0123456789abcdef0123456789", "write-key-0123456789abcdef01234567"
	keys := namespace.Keys{Read: r, ReadWrite: rw}
	plugin := namespace.Plugin{
		Name:       "tagger",
		CustomData: manifest.CustomData{Namespace: "acme__tags", Access: manifest.ReadWrite},
		Secrets:    map[string]string{manifest.ReadWriteAccessKey: rw, manifest.ReadAccessKey: r},
	}
	for _, v := range []any{keys, &keys, plugin, &plugin, []namespace.Plugin{plugin}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%t"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, r, "%s of %T", verb, v)
			assert.NotContains(t, out, rw, "%s of %T", verb, v)
		}
	}
	out := fmt.Sprint(plugin)
	assert.Contains(t, out, "tagger")
	assert.Contains(t, out, manifest.ReadWriteAccessKey, "the secret's name is shown, not its value")
}
