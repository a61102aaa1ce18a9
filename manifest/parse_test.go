package manifest_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/manifest"
)

// minimal is the smallest manifest Canvas accepts.
const minimal = `{
  "sdk_version": "0.1.4",
  "plugin_version": "1.0.0",
  "name": "my_plugin",
  "description": "does things",
  "components": {"handlers": [{"class": "my_plugin.handlers:Handler", "description": "a handler"}]},
  "tags": {},
  "license": "MIT",
  "readme": "./README.md"
}`

// mutate returns minimal changed by f, which edits the decoded JSON object.
func mutate(t *testing.T, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(minimal), &m))
	f(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func paths(ps []manifest.Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Path)
	}
	return out
}

func TestParseMinimal(t *testing.T) {
	t.Parallel()
	m, err := manifest.Parse([]byte(minimal))
	require.NoError(t, err)
	assert.Equal(t, "my_plugin", m.Name)
	assert.Equal(t, "0.1.4", m.SDKVersion)
	assert.Equal(t, manifest.BoolOrString{IsString: true, String: "./README.md"}, m.Readme)
	require.Len(t, m.Components.Handlers, 1)
	assert.Equal(t, "my_plugin.handlers:Handler", m.Components.Handlers[0].Class)
	assert.Empty(t, m.Warnings)
	assert.Nil(t, m.CustomData)
}

// Each rule of the schema, one case at a time, with the paths of the errors and warnings it causes.
func TestParseRules(t *testing.T) {
	t.Parallel()
	str := func(n int, s string) string { return strings.Repeat(s, n) }
	app := func(kv map[string]any) map[string]any {
		a := map[string]any{"class": "p.a:A", "name": "App", "description": "an app", "icon": "i.png", "scope": "global"}
		for k, v := range kv {
			if v == nil {
				delete(a, k)
			} else {
				a[k] = v
			}
		}
		return a
	}
	setComponents := func(c map[string]any) func(m map[string]any) {
		return func(m map[string]any) { m["components"] = c }
	}
	set := func(key string, v any) func(m map[string]any) {
		return func(m map[string]any) { m[key] = v }
	}
	cases := []struct {
		name     string
		edit     func(m map[string]any)
		errs     []string
		warnings []string
		msg      string // part of the first error's message, if set
	}{
		{name: "unknown top-level key", edit: set("catalog", map[string]any{}), errs: []string{"catalog"}, msg: "unknown key in the manifest"},
		{name: "near miss of a key", edit: set("custom-data", map[string]any{}), errs: []string{`["custom-data"]`}, msg: `did you mean "custom_data"?`},
		{name: "string field of wrong type", edit: set("sdk_version", 1), errs: []string{"sdk_version"}, msg: "must be a string, not a number (1)"},
		{name: "readme true", edit: set("readme", true)},
		{name: "readme number", edit: set("readme", 1), errs: []string{"readme"}, msg: "must be true, false or a string"},
		{name: "diagram null", edit: set("diagram", nil), errs: []string{"diagram"}, msg: "not null"},
		{name: "diagram string", edit: set("diagram", "d.png")},
		{name: "references items", edit: set("references", []any{"x", 2}), errs: []string{"references[1]"}},
		{name: "license null", edit: set("license", nil), errs: []string{"license"}},

		{name: "sensitive variable with default", edit: set("variables", []any{map[string]any{"name": "K", "sensitive": true, "default": "x"}}),
			errs: []string{"variables[0].default"}, msg: "a sensitive variable cannot have a default"},
		{name: "non-sensitive variable with default", edit: set("variables", []any{map[string]any{"name": "K", "sensitive": false, "default": "x"}})},
		{name: "sensitive variable without default", edit: set("variables", []any{map[string]any{"name": "K", "sensitive": true}})},
		{name: "variable without name", edit: set("variables", []any{map[string]any{"sensitive": true}}), errs: []string{"variables[0].name"}, msg: "is required in a variable but missing"},
		{name: "variable unknown key", edit: set("variables", []any{map[string]any{"name": "K", "secret": true}}), errs: []string{"variables[0].secret"}},
		{name: "variable sensitive not boolean", edit: set("variables", []any{map[string]any{"name": "K", "sensitive": "yes"}}), errs: []string{"variables[0].sensitive"}},
		{name: "variables not an array", edit: set("variables", "K"), errs: []string{"variables"}, msg: "must be an array, not a string"},

		{name: "secrets deprecated", edit: set("secrets", []any{"KEY"}), warnings: []string{"secrets"}},
		{name: "secrets items", edit: set("secrets", []any{"KEY", 1}), errs: []string{"secrets[1]"}, warnings: []string{"secrets"}},

		{name: "origins and url_permissions", edit: func(m map[string]any) {
			m["origins"] = map[string]any{"urls": []any{"https://a"}}
			m["url_permissions"] = []any{map[string]any{"url": "https://a", "permissions": []any{"SCRIPTS"}}}
		}, errs: []string{"origins"}, msg: "cannot be used together"},
		{name: "origins open to other keys", edit: set("origins", map[string]any{"urls": []any{"u"}, "other": 1})},
		{name: "origins items", edit: set("origins", map[string]any{"scripts": []any{true}}), errs: []string{"origins.scripts[0]"}},
		{name: "url permission enum", edit: set("url_permissions", []any{map[string]any{"url": "u", "permissions": []any{"SCRIPTS", "GEOLOCATION"}}}),
			errs: []string{"url_permissions[0].permissions[1]"}, msg: `"GEOLOCATION" is not allowed; use one of SCRIPTS`},
		{name: "url permission required", edit: set("url_permissions", []any{map[string]any{"url": "u"}}), errs: []string{"url_permissions[0].permissions"}},

		{name: "components empty", edit: setComponents(map[string]any{}), errs: []string{"components"}, msg: "declare at least one of"},
		{name: "components unknown kind", edit: setComponents(map[string]any{"widgets": []any{}}), errs: []string{"components.widgets"}},
		{name: "components empty lists", edit: setComponents(map[string]any{"commands": []any{}, "views": []any{}})},
		{name: "commands", edit: setComponents(map[string]any{"commands": []any{
			map[string]any{"name": "a", "schema_key": "k"},
			map[string]any{"name": "b"},
			map[string]any{"name": "c", "schema_key": "k", "section": "billing", "class": "x"},
		}}), errs: []string{"components.commands[1].schema_key", "components.commands[2].section", "components.commands[2].class"}},
		{name: "handler fields", edit: setComponents(map[string]any{"handlers": []any{
			map[string]any{"class": "x", "meta": "m", "data_access": map[string]any{"event": 1, "read": []any{"a", 2}, "delete": []any{}}},
		}}), errs: []string{"components.handlers[0].meta", "components.handlers[0].data_access.event",
			"components.handlers[0].data_access.read[1]", "components.handlers[0].data_access.delete", "components.handlers[0].description"}},
		{name: "protocol with meta", edit: setComponents(map[string]any{"protocols": []any{
			map[string]any{"class": "x", "description": "d", "meta": map[string]any{"n": 1.5, "l": []any{1}}},
		}})},
		{name: "component not an object", edit: setComponents(map[string]any{"effects": []any{"x"}}), errs: []string{"components.effects[0]"}},
		{name: "application ok", edit: setComponents(map[string]any{"applications": []any{app(map[string]any{
			"menu_position": "top", "menu_order": 2.0, "show_in_panel": true, "panel_priority": 1e3,
			"name": str(32, "é"), "description": str(256, "ü"),
		})}})},
		{name: "application limits and enums", edit: setComponents(map[string]any{"applications": []any{app(map[string]any{
			"name": str(33, "a"), "description": str(257, "a"), "scope": "everywhere", "menu_position": "middle",
			"menu_order": 1.5, "show_in_panel": 1, "panel_priority": "1", "icon": nil,
		})}}), errs: []string{
			"components.applications[0].description", "components.applications[0].menu_order",
			"components.applications[0].menu_position", "components.applications[0].name",
			"components.applications[0].panel_priority", "components.applications[0].scope",
			"components.applications[0].show_in_panel", "components.applications[0].icon",
		}},
		{name: "questionnaires", edit: setComponents(map[string]any{"questionnaires": []any{
			map[string]any{}, map[string]any{"template": "t", "x": 1},
		}}), errs: []string{"components.questionnaires[0].template", "components.questionnaires[1].x"}},

		{name: "custom_data read_write", edit: func(m map[string]any) {
			m["custom_data"] = map[string]any{"namespace": "acme__data", "access": "read_write"}
			m["variables"] = []any{map[string]any{"name": manifest.ReadWriteAccessKey, "sensitive": true}}
		}},
		{name: "custom_data read with read_write key", edit: func(m map[string]any) {
			m["custom_data"] = map[string]any{"namespace": "acme__data", "access": "read"}
			m["secrets"] = []any{manifest.ReadWriteAccessKey}
		}, warnings: []string{"secrets"}},
		{name: "custom_data read without key", edit: set("custom_data", map[string]any{"namespace": "acme__data", "access": "read"}),
			warnings: []string{"custom_data"}},
		{name: "custom_data read_write with read key only", edit: func(m map[string]any) {
			m["custom_data"] = map[string]any{"namespace": "acme__data", "access": "read_write"}
			m["variables"] = []any{map[string]any{"name": manifest.ReadAccessKey, "sensitive": true}}
		}, warnings: []string{"custom_data"}},
		{name: "custom_data everything wrong", edit: set("custom_data", map[string]any{"namespace": "Acme", "access": "write", "tables": []any{}}),
			errs: []string{"custom_data.access", "custom_data.namespace", "custom_data.tables"}},
		{name: "custom_data empty", edit: set("custom_data", map[string]any{}),
			errs: []string{"custom_data.namespace", "custom_data.access"}, msg: "is required in custom_data but missing"},
		{name: "custom_data not an object", edit: set("custom_data", "acme__data"), errs: []string{"custom_data"}},
		{name: "custom_data namespace too long", edit: set("custom_data", map[string]any{"namespace": "a__" + str(61, "b"), "access": "read_write"}),
			errs: []string{"custom_data.namespace"}, msg: "64 bytes long", warnings: []string{"custom_data"}},
		{name: "custom_data namespace not a string", edit: set("custom_data", map[string]any{"namespace": 7, "access": "read"}),
			errs: []string{"custom_data.namespace"}, warnings: []string{"custom_data"}},

		{name: "tags missing", edit: func(m map[string]any) { delete(m, "tags") }, errs: []string{"tags"}, msg: "is required in the manifest but missing"},
		{name: "tags as array", edit: set("tags", []any{"lab"}), warnings: []string{"tags"}},
		{name: "tags null", edit: set("tags", nil), warnings: []string{"tags"}},
		{name: "tags good", edit: set("tags", map[string]any{"content": []any{"patient_intake"}, "patient_sourcing_and_intake": []any{"symptom_triage"}})},
		{name: "tags bad values and categories", edit: set("tags", map[string]any{
			"content": []any{"patient_intake", "video", 3}, "pricing_and_payments": []any{"free"}, "use-case": []any{}, "care_team_composition": "x",
		}), warnings: []string{"tags.content[1]", "tags.content[2]", "tags.pricing_and_payments[0]", `tags["use-case"]`, "tags.care_team_composition"}},
		{name: "tags warnings with an error elsewhere", edit: func(m map[string]any) {
			m["tags"] = []any{}
			m["name"] = false
		}, errs: []string{"name"}, warnings: []string{"tags"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := mutate(t, tc.edit)
			m, err := manifest.Parse(data)
			var warnings []manifest.Problem
			if len(tc.errs) == 0 {
				require.NoError(t, err)
				require.NotNil(t, m)
				warnings = m.Warnings
			} else {
				require.Error(t, err)
				assert.Nil(t, m, "an invalid manifest yields no Manifest")
				var ve *manifest.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.ElementsMatch(t, tc.errs, paths(ve.Problems), "error paths")
				if tc.msg != "" {
					assert.Contains(t, ve.Problems[0].Message, tc.msg)
				}
				warnings = ve.Warnings
				for _, p := range ve.Problems {
					assert.Contains(t, err.Error(), p.String(), "Error() prints every problem")
					assert.Positive(t, p.Line)
				}
			}
			assert.ElementsMatch(t, tc.warnings, paths(warnings), "warning paths")
		})
	}
}

func TestParseRequiredFields(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"sdk_version", "plugin_version", "name", "description", "components", "tags", "license", "readme"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			_, err := manifest.Parse(mutate(t, func(m map[string]any) { delete(m, key) }))
			var ve *manifest.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, []string{key}, paths(ve.Problems))
			assert.Contains(t, ve.Problems[0].Message, "is required")
		})
	}
}

// A manifest with many problems gets all of them, each printed with its path, one per line.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := manifest.Load(filepath.Join("testdata", "invalid"))
	require.Error(t, err)
	var ve *manifest.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, filepath.Join("testdata", "invalid", manifest.FileName), ve.File)

	want := []string{
		`manifest: testdata/invalid/CANVAS_MANIFEST.json is not a valid Canvas manifest (12 problems):`,
		`  description: is required in the manifest but missing (line 1, column 1)`,
		`  sdk_version: must be a string, not a number (0.1) (line 2, column 18)`,
		`  name: must be a string, not null (line 4, column 11)`,
		`  variables[1].default: a sensitive variable cannot have a default (sensitive values are write-only); remove "default" or set "sensitive": false (line 7, column 51)`,
		`  origins: cannot be used together with "url_permissions"; keep only url_permissions (origins is the older form) (line 9, column 3)`,
		`  url_permissions[0].permissions[1]: "GEOLOCATION" is not allowed; use one of SCRIPTS, ALLOW_SAME_ORIGIN, MICROPHONE, CAMERA, CLIPBOARD_READ, CLIPBOARD_WRITE (line 11, column 63)`,
		`  components.commands[1].schema_key: is required in a command but missing (line 16, column 7)`,
		`  components.commands[2].class: unknown key in a command; allowed keys are name, label, schema_key, section (line 17, column 48)`,
		`  components.applications[0].name: is 40 characters long; at most 32 are allowed (line 20, column 34)`,
		`  components.applications[0].scope: "sidebar" is not allowed; use one of patient_specific, global, provider_menu_item, portal_menu_item, provider_companion, provider_companion_global, provider_companion_patient_specific, provider_companion_note_specific, full_chart (line 21, column 37)`,
		`  custom_data.namespace: invalid namespace "Acme-Org__Data": it contains 'A', which is not a lowercase letter, digit or underscore (use lowercase); ` + manifest.NamespaceRule + ` (line 26, column 32)`,
		`  custom_data.access: "write" is not allowed; use one of read, read_write (line 26, column 60)`,
	}
	assert.Equal(t, strings.Join(want, "\n"), err.Error())
	assert.ElementsMatch(t, []string{"tags.content[0]", "secrets"}, paths(ve.Warnings))
}

func TestParseSyntaxErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		data      string
		line, col int
		msg       string
	}{
		{"missing value", "{\n  \"name\": ,\n}", 2, 11, "invalid character ','"},
		{"unclosed object", "{\n  \"name\": \"x\"", 2, 14, "unexpected end of file"},
		{"empty", "  \n", 2, 1, "the file is empty"},
		{"byte order mark", "\xef\xbb\xbf{}", 1, 1, "byte order mark"},
		{"not UTF-8", "{\"name\": \"caf\xe9\"}", 1, 14, "not valid UTF-8"},
		{"extra data", "{}\n{}", 2, 1, "unexpected data after the end"},
		{"NaN", `{"meta": NaN}`, 1, 10, "invalid character 'N'"},
		{"trailing comma", "{\"a\": [1, 2,]}", 1, 13, "invalid character ']'"},
		{"single quotes", "{'a': 1}", 1, 2, "invalid character '\\''"},
		{"column counts characters", "{\"é\": \"ü\" x}", 1, 11, "invalid character 'x'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := manifest.Parse([]byte(tc.data))
			assert.Nil(t, m)
			var se *manifest.SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.line, se.Line, "line")
			assert.Equal(t, tc.col, se.Column, "column")
			assert.Contains(t, se.Error(), tc.msg)
			var ve *manifest.ValidationError
			assert.False(t, errors.As(err, &ve))
		})
	}
}

func TestParseRootNotAnObject(t *testing.T) {
	t.Parallel()
	for _, data := range []string{`[]`, `"manifest"`, `null`, `42`} {
		_, err := manifest.Parse([]byte(data))
		var ve *manifest.ValidationError
		require.ErrorAs(t, err, &ve, data)
		require.Len(t, ve.Problems, 1)
		assert.Equal(t, "", ve.Problems[0].Path)
		assert.Contains(t, err.Error(), "(manifest): must be an object")
	}
}

func TestParseDuplicateKeyKeepsLast(t *testing.T) {
	t.Parallel()
	data := strings.Replace(minimal, `"name": "my_plugin",`, `"name": 1, "name": "second",`, 1)
	m, err := manifest.Parse([]byte(data))
	require.NoError(t, err, "Canvas (Python's json) keeps the last value")
	assert.Equal(t, "second", m.Name)
	assert.Equal(t, []string{"name"}, paths(m.Warnings))
}

func TestParseIntegers(t *testing.T) {
	t.Parallel()
	cases := map[string]int64{"7": 7, "-3": -3, "2.0": 2, "1e3": 1000, "0.5e1": 5}
	for lit, want := range cases {
		data := strings.Replace(minimal, `"components": {`, `"components": {"applications": [{"class": "c", "name": "n", "description": "d", "icon": "i", "scope": "global", "menu_order": `+lit+`}], `, 1)
		m, err := manifest.Parse([]byte(data))
		require.NoError(t, err, lit)
		require.NotNil(t, m.Components.Applications[0].MenuOrder)
		assert.Equal(t, want, *m.Components.Applications[0].MenuOrder, lit)
	}
	for _, lit := range []string{"1.5", "1e400", "99999999999999999999", "1e19", "true"} {
		data := strings.Replace(minimal, `"components": {`, `"components": {"applications": [{"class": "c", "name": "n", "description": "d", "icon": "i", "scope": "global", "panel_priority": `+lit+`}], `, 1)
		_, err := manifest.Parse([]byte(data))
		var ve *manifest.ValidationError
		require.ErrorAs(t, err, &ve, lit)
		assert.Equal(t, []string{"components.applications[0].panel_priority"}, paths(ve.Problems), lit)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, manifest.FileName)
	require.NoError(t, os.WriteFile(file, []byte(minimal), 0o600))

	fromDir, err := manifest.Load(dir)
	require.NoError(t, err)
	fromFile, err := manifest.Load(file)
	require.NoError(t, err)
	assert.Equal(t, fromFile, fromDir)

	_, err = manifest.Load(t.TempDir())
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "has no CANVAS_MANIFEST.json")

	_, err = manifest.Load(filepath.Join(dir, "nope.json"))
	assert.ErrorIs(t, err, fs.ErrNotExist)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\n"), 0o600))
	_, err = manifest.Load(bad)
	var se *manifest.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, bad, se.File)
	assert.Contains(t, err.Error(), bad)
}

// A parsed manifest marshals back to JSON that parses to the same manifest.
func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "manifests", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		m1, err := manifest.Load(file)
		require.NoError(t, err)
		out1, err := json.Marshal(m1)
		require.NoError(t, err)
		m2, err := manifest.Parse(out1)
		require.NoError(t, err, "%s: %s", file, out1)
		out2, err := json.Marshal(m2)
		require.NoError(t, err)
		assert.JSONEq(t, string(out1), string(out2), file)
	}
}
