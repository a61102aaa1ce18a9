package manifest

import (
	"fmt"
	"strings"
)

// The schema, key by key (canvas-manifest.schema.json). Lists keep the schema's order for messages.
var (
	topLevelSpec = objSpec{
		fields: []string{"sdk_version", "plugin_version", "name", "description", "variables", "secrets",
			"origins", "url_permissions", "components", "tags", "references", "license", "diagram", "readme",
			"custom_data"},
		required: []string{"sdk_version", "plugin_version", "name", "description", "components", "tags",
			"license", "readme"},
		closed: true,
		what:   "the manifest",
	}
	variableSpec = objSpec{fields: []string{"name", "sensitive", "default"}, required: []string{"name"},
		closed: true, what: "a variable"}
	originsSpec       = objSpec{fields: []string{"urls", "scripts"}, what: "origins"}
	urlPermissionSpec = objSpec{fields: []string{"url", "permissions"}, required: []string{"url", "permissions"},
		closed: true, what: "a url permission"}
	componentsSpec = objSpec{fields: []string{"commands", "protocols", "handlers", "content", "effects", "views",
		"applications", "questionnaires"}, closed: true, what: "components"}
	componentSpec = objSpec{fields: []string{"class", "description", "meta", "data_access"},
		required: []string{"class", "description"}, closed: true, what: "a component"}
	dataAccessSpec  = objSpec{fields: []string{"event", "read", "write"}, closed: true, what: "data_access"}
	applicationSpec = objSpec{fields: []string{"class", "name", "description", "icon", "scope", "menu_position",
		"menu_order", "show_in_panel", "panel_priority"},
		required: []string{"class", "icon", "scope", "name", "description"}, closed: true, what: "an application"}
	questionnaireSpec = objSpec{fields: []string{"template"}, required: []string{"template"}, closed: true,
		what: "a questionnaire"}
	commandSpec = objSpec{fields: []string{"name", "label", "schema_key", "section"},
		required: []string{"name", "schema_key"}, closed: true, what: "a command"}
	customDataSpec = objSpec{fields: []string{"namespace", "access"}, required: []string{"namespace", "access"},
		closed: true, what: "custom_data"}

	urlPermissions   = []string{"SCRIPTS", "ALLOW_SAME_ORIGIN", "MICROPHONE", "CAMERA", "CLIPBOARD_READ", "CLIPBOARD_WRITE"}
	applicationScope = []string{"patient_specific", "global", "provider_menu_item", "portal_menu_item",
		"provider_companion", "provider_companion_global", "provider_companion_patient_specific",
		"provider_companion_note_specific", "full_chart"}
	menuPositions   = []string{"top", "bottom"}
	commandSections = []string{"subjective", "objective", "assessment", "plan", "procedures", "history", "internal"}
	accessLevels    = []string{string(Read), string(ReadWrite)}

	// tagCategories are the tag categories and the values each allows (some allow none yet).
	tagCategories = []string{"patient_sourcing_and_intake", "interaction_modes_and_utilization",
		"diagnostic_range_and_inputs", "pricing_and_payments", "care_team_composition",
		"interventions_and_safety", "content"}
	tagValues = map[string][]string{
		"patient_sourcing_and_intake":       {"symptom_triage", "coverage_capture"},
		"interaction_modes_and_utilization": {"supply_policies", "demand_policies", "auto_followup"},
		"content":                           {"patient_intake"},
	}
)

// manifest checks the whole document and builds the Manifest.
func (c *checker) manifest(root *node) *Manifest {
	m := &Manifest{}
	var origins, urlPerms, customData *node
	c.object(c.err, root, "", topLevelSpec, func(key, p string, v *node) {
		switch key {
		case "sdk_version":
			m.SDKVersion, _ = c.str(c.err, v, p)
		case "plugin_version":
			m.PluginVersion, _ = c.str(c.err, v, p)
		case "name":
			m.Name, _ = c.str(c.err, v, p)
		case "description":
			m.Description, _ = c.str(c.err, v, p)
		case "variables":
			m.Variables = c.variables(v, p)
		case "secrets":
			m.Secrets = c.strings(c.err, v, p)
			c.warn(p, v.keyOff, `"secrets" is deprecated; declare each secret in "variables" as {"name": ..., "sensitive": true}`)
		case "origins":
			origins = v
			m.Origins = c.origins(v, p)
		case "url_permissions":
			urlPerms = v
			m.URLPermissions = c.urlPermissions(v, p)
		case "components":
			m.Components = c.components(v, p)
		case "tags":
			m.Tags = c.tags(v, p)
		case "references":
			m.References = c.strings(c.err, v, p)
		case "license":
			m.License, _ = c.str(c.err, v, p)
		case "diagram":
			d := c.boolOrString(v, p)
			m.Diagram = &d
		case "readme":
			m.Readme = c.boolOrString(v, p)
		case "custom_data":
			customData = v
			m.CustomData = c.customData(v, p)
		}
	})
	if origins != nil && urlPerms != nil {
		c.err("origins", origins.keyOff, `cannot be used together with "url_permissions"; keep only url_permissions (origins is the older form)`)
	}
	if customData != nil {
		c.accessKeyWarning(m, customData.keyOff)
	}
	return m
}

// variables checks "variables": objects {name, sensitive, default}; a sensitive one has no default.
func (c *checker) variables(n *node, path string) []Variable {
	out := []Variable{}
	c.array(c.err, n, path, func(_ int, p string, item *node) {
		var v Variable
		var def *node
		ok := c.object(c.err, item, p, variableSpec, func(key, fp string, fv *node) {
			switch key {
			case "name":
				v.Name, _ = c.str(c.err, fv, fp)
			case "sensitive":
				v.Sensitive, _ = c.boolean(fv, fp)
			case "default":
				def = fv
				if s, ok := c.str(c.err, fv, fp); ok {
					v.Default = &s
				}
			}
		})
		if ok && v.Sensitive && def != nil {
			c.err(join(p, "default"), def.keyOff, `a sensitive variable cannot have a default (sensitive values are write-only); remove "default" or set "sensitive": false`)
		}
		out = append(out, v)
	})
	return out
}

// origins checks "origins": {urls, scripts}; other keys are allowed by the schema.
func (c *checker) origins(n *node, path string) *Origins {
	o := &Origins{}
	c.object(c.err, n, path, originsSpec, func(key, p string, v *node) {
		switch key {
		case "urls":
			o.URLs = c.strings(c.err, v, p)
		case "scripts":
			o.Scripts = c.strings(c.err, v, p)
		}
	})
	return o
}

// urlPermissions checks "url_permissions": [{url, permissions: [enum]}].
func (c *checker) urlPermissions(n *node, path string) []URLPermission {
	out := []URLPermission{}
	c.array(c.err, n, path, func(_ int, p string, item *node) {
		var u URLPermission
		c.object(c.err, item, p, urlPermissionSpec, func(key, fp string, v *node) {
			switch key {
			case "url":
				u.URL, _ = c.str(c.err, v, fp)
			case "permissions":
				u.Permissions = []string{}
				c.array(c.err, v, fp, func(_ int, ip string, iv *node) {
					if s, ok := c.enum(c.err, iv, ip, urlPermissions); ok {
						u.Permissions = append(u.Permissions, s)
					}
				})
			}
		})
		out = append(out, u)
	})
	return out
}

// components checks "components": at least one kind, each a list of its own item shape.
func (c *checker) components(n *node, path string) Components {
	var out Components
	ok := c.object(c.err, n, path, componentsSpec, func(key, p string, v *node) {
		switch key {
		case "commands":
			out.Commands = c.commands(v, p)
		case "protocols":
			out.Protocols = c.componentList(v, p)
		case "handlers":
			out.Handlers = c.componentList(v, p)
		case "content":
			out.Content = c.componentList(v, p)
		case "effects":
			out.Effects = c.componentList(v, p)
		case "views":
			out.Views = c.componentList(v, p)
		case "applications":
			out.Applications = c.applications(v, p)
		case "questionnaires":
			out.Questionnaires = c.questionnaires(v, p)
		}
	})
	if ok && len(n.keys) == 0 {
		c.err(path, n.offset, "is empty; declare at least one of "+strings.Join(componentsSpec.fields, ", "))
	}
	return out
}

// componentList checks protocols, handlers, content, effects and views.
func (c *checker) componentList(n *node, path string) []Component {
	out := []Component{}
	c.array(c.err, n, path, func(_ int, p string, item *node) {
		var comp Component
		c.object(c.err, item, p, componentSpec, func(key, fp string, v *node) {
			switch key {
			case "class":
				comp.Class, _ = c.str(c.err, v, fp)
			case "description":
				comp.Description, _ = c.str(c.err, v, fp)
			case "meta":
				if v.kind != kindObject {
					c.err(fp, v.offset, fmt.Sprintf("must be an object, not %s", got(v)))
					return
				}
				comp.Meta, _ = v.toAny().(map[string]any)
			case "data_access":
				comp.DataAccess = c.dataAccess(v, fp)
			}
		})
		out = append(out, comp)
	})
	return out
}

// dataAccess checks a component's "data_access".
func (c *checker) dataAccess(n *node, path string) *DataAccess {
	d := &DataAccess{}
	c.object(c.err, n, path, dataAccessSpec, func(key, p string, v *node) {
		switch key {
		case "event":
			d.Event, _ = c.str(c.err, v, p)
		case "read":
			d.Read = c.strings(c.err, v, p)
		case "write":
			d.Write = c.strings(c.err, v, p)
		}
	})
	return d
}

// applications checks components.applications.
func (c *checker) applications(n *node, path string) []Application {
	out := []Application{}
	c.array(c.err, n, path, func(_ int, p string, item *node) {
		var a Application
		c.object(c.err, item, p, applicationSpec, func(key, fp string, v *node) {
			switch key {
			case "class":
				a.Class, _ = c.str(c.err, v, fp)
			case "name":
				a.Name = c.maxLen(v, fp, 32)
			case "description":
				a.Description = c.maxLen(v, fp, 256)
			case "icon":
				a.Icon, _ = c.str(c.err, v, fp)
			case "scope":
				a.Scope, _ = c.enum(c.err, v, fp, applicationScope)
			case "menu_position":
				a.MenuPosition, _ = c.enum(c.err, v, fp, menuPositions)
			case "menu_order":
				a.MenuOrder = c.integer(v, fp)
			case "show_in_panel":
				if b, ok := c.boolean(v, fp); ok {
					a.ShowInPanel = &b
				}
			case "panel_priority":
				a.PanelPriority = c.integer(v, fp)
			}
		})
		out = append(out, a)
	})
	return out
}

// questionnaires checks components.questionnaires.
func (c *checker) questionnaires(n *node, path string) []Questionnaire {
	out := []Questionnaire{}
	c.array(c.err, n, path, func(_ int, p string, item *node) {
		var q Questionnaire
		c.object(c.err, item, p, questionnaireSpec, func(_, fp string, v *node) {
			q.Template, _ = c.str(c.err, v, fp)
		})
		out = append(out, q)
	})
	return out
}

// commands checks components.commands.
func (c *checker) commands(n *node, path string) []Command {
	out := []Command{}
	c.array(c.err, n, path, func(_ int, p string, item *node) {
		var cmd Command
		c.object(c.err, item, p, commandSpec, func(key, fp string, v *node) {
			switch key {
			case "name":
				cmd.Name, _ = c.str(c.err, v, fp)
			case "label":
				cmd.Label, _ = c.str(c.err, v, fp)
			case "schema_key":
				cmd.SchemaKey, _ = c.str(c.err, v, fp)
			case "section":
				cmd.Section, _ = c.enum(c.err, v, fp, commandSections)
			}
		})
		out = append(out, cmd)
	})
	return out
}

// tags checks "tags". Canvas reports every problem under tags as a warning, so this one does too, and
// keeps only the recognized values.
func (c *checker) tags(n *node, path string) Tags {
	t := Tags{}
	spec := objSpec{fields: tagCategories, closed: true, what: "tags"}
	c.object(c.warn, n, path, spec, func(key, p string, v *node) {
		allowed := tagValues[key]
		vals := []string{}
		c.array(c.warn, v, p, func(_ int, ip string, iv *node) {
			switch {
			case iv.kind == kindString && containsString(allowed, iv.str):
				vals = append(vals, iv.str)
			case len(allowed) == 0:
				c.warn(ip, iv.offset, fmt.Sprintf("%s is not a recognized value: Canvas defines no values for %s yet", iv, key))
			default:
				c.warn(ip, iv.offset, fmt.Sprintf("%s is not a recognized value; use one of %s", iv, strings.Join(allowed, ", ")))
			}
		})
		t[key] = vals
	})
	return t
}

// customData checks "custom_data": {namespace, access}, both required, nothing else.
func (c *checker) customData(n *node, path string) *CustomData {
	cd := &CustomData{}
	c.object(c.err, n, path, customDataSpec, func(key, p string, v *node) {
		switch key {
		case "namespace":
			if s, ok := c.str(c.err, v, p); ok {
				cd.Namespace = s
				if err := ValidateNamespace(s); err != nil {
					c.err(p, v.offset, err.Error())
				}
			}
		case "access":
			if s, ok := c.enum(c.err, v, p, accessLevels); ok {
				cd.Access = Access(s)
			}
		}
	})
	return cd
}

// accessKeyWarning warns when a custom_data plugin declares no secret for the key it will need. Canvas's
// validator does not check this, so it is only a warning: a read_write plugin whose install creates
// the namespace needs no key.
func (c *checker) accessKeyWarning(m *Manifest, off int64) {
	cd := m.CustomData
	if cd == nil || !cd.Access.Valid() {
		return
	}
	hasRead, hasRW := m.Declares(ReadAccessKey), m.Declares(ReadWriteAccessKey)
	switch {
	case cd.Access == Read && !hasRead && !hasRW:
		c.warn("custom_data", off, fmt.Sprintf(
			`a read plugin must present %s (or %s) to use namespace %q, but declares neither; add {"name": %q, "sensitive": true} to "variables"`,
			ReadAccessKey, ReadWriteAccessKey, cd.Namespace, ReadAccessKey))
	case cd.Access == ReadWrite && !hasRW:
		c.warn("custom_data", off, fmt.Sprintf(
			`a read_write plugin must present %s to use namespace %q unless its own install creates the namespace, but does not declare it; add {"name": %q, "sensitive": true} to "variables"`,
			ReadWriteAccessKey, cd.Namespace, ReadWriteAccessKey))
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
