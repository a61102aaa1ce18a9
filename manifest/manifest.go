package manifest

import (
	"encoding/json"
	"fmt"
	"slices"
)

// FileName is the name of a plugin's manifest inside its directory.
const FileName = "CANVAS_MANIFEST.json"

// Names of the two secrets that carry a namespace's access keys. Canvas generates both when the first
// read_write plugin installs into a namespace; other plugins present one of them.
const (
	// ReadAccessKey is the secret holding the key that grants read access.
	ReadAccessKey = "namespace_read_access_key"
	// ReadWriteAccessKey is the secret holding the key that grants read and write access (and so read).
	ReadWriteAccessKey = "namespace_read_write_access_key"
)

// Manifest is a parsed and validated CANVAS_MANIFEST.json. Field names and JSON tags follow Canvas's
// manifest schema.
type Manifest struct {
	SDKVersion    string `json:"sdk_version"`
	PluginVersion string `json:"plugin_version"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	// Variables are the plugin's settings; sensitive ones are secrets.
	Variables []Variable `json:"variables,omitempty"`
	// Secrets is the deprecated list of secret names (use Variables with Sensitive set instead).
	Secrets []string `json:"secrets,omitempty"`
	// Origins is the older form of URLPermissions; a manifest may have one or the other, not both.
	Origins        *Origins        `json:"origins,omitempty"`
	URLPermissions []URLPermission `json:"url_permissions,omitempty"`
	Components     Components      `json:"components"`
	// Tags classify the plugin. Canvas only warns about malformed tags, so this holds the well-formed
	// part; the rest is reported in Warnings.
	Tags       Tags          `json:"tags"`
	References []string      `json:"references,omitempty"`
	License    string        `json:"license"`
	Diagram    *BoolOrString `json:"diagram,omitempty"`
	Readme     BoolOrString  `json:"readme"`
	// CustomData declares the plugin's custom-data namespace and access level; nil if it has none.
	CustomData *CustomData `json:"custom_data,omitempty"`

	// Warnings are problems Canvas accepts but reports (malformed tags, deprecated secrets, ...).
	Warnings []Problem `json:"-"`
}

// Declares reports whether the manifest names a secret or variable called name, in either Secrets or
// Variables.
func (m *Manifest) Declares(name string) bool {
	if slices.Contains(m.Secrets, name) {
		return true
	}
	return slices.ContainsFunc(m.Variables, func(v Variable) bool { return v.Name == name })
}

// Variable is one entry of "variables".
type Variable struct {
	Name string `json:"name"`
	// Sensitive variables are secrets: write-only, and (per the schema) without a default.
	Sensitive bool `json:"sensitive,omitempty"`
	// Default is the value used when none is set; nil when absent. A sensitive variable has none.
	Default *string `json:"default,omitempty"`
}

// Origins is the "origins" object: URLs and script sources an application may use.
type Origins struct {
	URLs    []string `json:"urls,omitempty"`
	Scripts []string `json:"scripts,omitempty"`
}

// URLPermission is one entry of "url_permissions".
type URLPermission struct {
	URL string `json:"url"`
	// Permissions are among SCRIPTS, ALLOW_SAME_ORIGIN, MICROPHONE, CAMERA, CLIPBOARD_READ and
	// CLIPBOARD_WRITE.
	Permissions []string `json:"permissions"`
}

// Components lists what the plugin provides. At least one kind must be present; a kind given as an
// empty list is a non-nil empty slice.
type Components struct {
	Commands       []Command       `json:"commands,omitempty"`
	Protocols      []Component     `json:"protocols,omitempty"`
	Handlers       []Component     `json:"handlers,omitempty"`
	Content        []Component     `json:"content,omitempty"`
	Effects        []Component     `json:"effects,omitempty"`
	Views          []Component     `json:"views,omitempty"`
	Applications   []Application   `json:"applications,omitempty"`
	Questionnaires []Questionnaire `json:"questionnaires,omitempty"`
}

// MarshalJSON writes every kind that is present (non-nil), even when its list is empty, so that a
// manifest with only "views": [] marshals back to a valid one.
func (c Components) MarshalJSON() ([]byte, error) {
	var out struct {
		Commands       *[]Command       `json:"commands,omitempty"`
		Protocols      *[]Component     `json:"protocols,omitempty"`
		Handlers       *[]Component     `json:"handlers,omitempty"`
		Content        *[]Component     `json:"content,omitempty"`
		Effects        *[]Component     `json:"effects,omitempty"`
		Views          *[]Component     `json:"views,omitempty"`
		Applications   *[]Application   `json:"applications,omitempty"`
		Questionnaires *[]Questionnaire `json:"questionnaires,omitempty"`
	}
	out.Commands = present(c.Commands)
	out.Protocols = present(c.Protocols)
	out.Handlers = present(c.Handlers)
	out.Content = present(c.Content)
	out.Effects = present(c.Effects)
	out.Views = present(c.Views)
	out.Applications = present(c.Applications)
	out.Questionnaires = present(c.Questionnaires)
	return json.Marshal(out)
}

// present returns a pointer to s when s is non-nil, so that omitempty keeps empty-but-present lists.
func present[T any](s []T) *[]T {
	if s == nil {
		return nil
	}
	return &s
}

// Component is an entry of protocols, handlers, content, effects or views.
type Component struct {
	// Class is "module.path:ClassName".
	Class       string `json:"class"`
	Description string `json:"description"`
	// Meta is free-form; numbers in it are json.Number.
	Meta       map[string]any `json:"meta,omitempty"`
	DataAccess *DataAccess    `json:"data_access,omitempty"`
}

// DataAccess is a component's "data_access" declaration.
type DataAccess struct {
	Event string   `json:"event,omitempty"`
	Read  []string `json:"read,omitempty"`
	Write []string `json:"write,omitempty"`
}

// Application is an entry of components.applications.
type Application struct {
	Class string `json:"class"`
	// Name is at most 32 characters.
	Name string `json:"name"`
	// Description is at most 256 characters.
	Description string `json:"description"`
	Icon        string `json:"icon"`
	// Scope is one of patient_specific, global, provider_menu_item, portal_menu_item,
	// provider_companion, provider_companion_global, provider_companion_patient_specific,
	// provider_companion_note_specific, full_chart.
	Scope string `json:"scope"`
	// MenuPosition is "top" or "bottom" when set.
	MenuPosition  string `json:"menu_position,omitempty"`
	MenuOrder     *int64 `json:"menu_order,omitempty"`
	ShowInPanel   *bool  `json:"show_in_panel,omitempty"`
	PanelPriority *int64 `json:"panel_priority,omitempty"`
}

// Questionnaire is an entry of components.questionnaires.
type Questionnaire struct {
	Template string `json:"template"`
}

// Command is an entry of components.commands.
type Command struct {
	Name      string `json:"name"`
	Label     string `json:"label,omitempty"`
	SchemaKey string `json:"schema_key"`
	// Section is one of subjective, objective, assessment, plan, procedures, history, internal.
	Section string `json:"section,omitempty"`
}

// Tags maps a tag category to its values.
type Tags map[string][]string

// MarshalJSON writes an empty object for nil Tags ("tags" is required).
func (t Tags) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string][]string(t))
}

// BoolOrString is a field that holds either a boolean or a string, as "readme" and "diagram" do
// (true/false, or a path such as "./README.md").
type BoolOrString struct {
	// IsString tells which of Bool and String holds the value.
	IsString bool
	Bool     bool
	String   string
}

// MarshalJSON writes the boolean or the string.
func (v BoolOrString) MarshalJSON() ([]byte, error) {
	if v.IsString {
		return json.Marshal(v.String)
	}
	return json.Marshal(v.Bool)
}

// UnmarshalJSON reads a boolean or a string.
func (v *BoolOrString) UnmarshalJSON(data []byte) error {
	var b bool
	if err := json.Unmarshal(data, &b); err == nil {
		*v = BoolOrString{Bool: b}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("manifest: %s is neither a boolean nor a string", truncate(string(data), 60))
	}
	*v = BoolOrString{IsString: true, String: s}
	return nil
}

// CustomData is the manifest's "custom_data" section.
type CustomData struct {
	// Namespace is "<organization>__<name>"; see ValidateNamespace.
	Namespace string `json:"namespace"`
	// Access is the level the plugin asks for.
	Access Access `json:"access"`
}

// SecretName returns the secret the plugin must present for its access level (see Access.SecretName).
func (c CustomData) SecretName() string { return c.Access.SecretName() }

// Access is a custom-data access level.
type Access string

// The access levels a manifest may ask for.
const (
	// Read lets a plugin read the namespace's data.
	Read Access = "read"
	// ReadWrite lets a plugin read and write it, and create it if it does not exist yet.
	ReadWrite Access = "read_write"
)

// Valid reports whether a is Read or ReadWrite.
func (a Access) Valid() bool { return a == Read || a == ReadWrite }

// SecretName returns the name of the secret holding the key a plugin with this access level presents:
// ReadAccessKey for Read (a read_write key is accepted too), ReadWriteAccessKey for ReadWrite (except
// for the plugin whose install creates the namespace, which receives the keys). It returns "" for an
// invalid level.
func (a Access) SecretName() string {
	switch a {
	case Read:
		return ReadAccessKey
	case ReadWrite:
		return ReadWriteAccessKey
	default:
		return ""
	}
}
