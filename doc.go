// Package customdata is the Go SDK for Canvas custom data: plugin-owned
// tables and key-value attributes in PostgreSQL, storage-compatible with the
// Python SDK (canvas-plugins), so Go and Python plugins can share a namespace.
//
// This package holds only this overview; the SDK lives in its subpackages:
//
//   - manifest: parses and validates CANVAS_MANIFEST.json, including the
//     custom_data block ({"namespace": "acme_org__shared_data", "access":
//     "read_write"}) and the namespace naming rule.
//   - namespace: the platform side. A Manager installs plugins (the first
//     read_write install creates the namespace, a PostgreSQL schema, and
//     returns its two access keys once), opens Handles for plugin code, and
//     runs admin operations (list, inspect, reset, drop, keys). A handle's
//     connections log in as a per-namespace role, so PostgreSQL itself keeps
//     read handles read-only and namespaces apart, whatever SQL a plugin
//     sends.
//   - custommodel: Go structs that embed CustomModel become tables in the
//     namespace (additive DDL exactly as Canvas makes it), linked to the
//     platform's records; race-safe GetOrCreate and UpdateOrCreate, each one
//     statement (one round trip), hit or miss.
//   - sdkmodel: read-only structs for every platform model (Patient, Note,
//     Condition, Claim, ...: 207 of them, generated, linked and navigable)
//     and a fixture that creates all 214 platform tables for tests.
//   - attributehub: a typed key-value store beside the models (hubs with
//     attributes), stored as Canvas stores it.
//   - civil: a calendar date type for date columns and attributes.
//   - pgdiscover: finds a PostgreSQL server (DATABASE_URL, else a throwaway
//     cluster from the local binaries, else localhost:5432) for the examples,
//     the CLI and the tests.
//   - customdatatest: a fresh PostgreSQL database per test, for this
//     repository's tests and for plugin authors' own, and a plugin installed
//     into it as the platform would.
//
// The command cmd/customdata scaffolds plugins (init), validates manifests
// and manages namespaces; examples/hello-custom-data is the quick start and
// examples/room-booking two plugins sharing a namespace.
//
// The quick start, in Go (examples/hello-custom-data runs it end to end):
//
//	type CustomNote struct {
//		sdkmodel.Note
//		Tag *NoteTag `gorm:"foreignKey:NoteID;references:DBID"`
//	}
//
//	type NoteTag struct {
//		custommodel.CustomModel
//		NoteID   int64       `gorm:"primaryKey"`
//		Note     *CustomNote `gorm:"foreignKey:NoteID;references:DBID"`
//		TaggedBy string
//	}
//
//	plugin := namespace.Plugin{Name: "hello_custom_data",
//		CustomData: manifest.CustomData{Namespace: "my_org__hello_custom_data", Access: manifest.ReadWrite},
//		Models:     []any{&NoteTag{}, &CustomNote{}},
//		Secrets:    secrets} // the plugin's keys, if the platform holds any
//	inst, err := manager.Install(ctx, plugin)
//	// The install that creates the namespace returns its two keys, once, in
//	// inst.Keys; later installs return none (inst.Keys is nil) and need a key
//	// in Secrets. Open with the key the plugin holds:
//	h, err := manager.Open(ctx, "my_org__hello_custom_data", secrets[manifest.ReadWriteAccessKey])
//	tag, created, err := custommodel.GetOrCreate(ctx, h.DB(ctx),
//		custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "hello-custom-data"})
//
// A namespace is "<organization>__<name>": two parts of lowercase letters,
// digits and underscores, each starting with a letter, joined by a double
// underscore, at most 63 bytes. The two keys are the plugin secrets
// namespace_read_access_key and namespace_read_write_access_key; the database
// keeps only their SHA-256 digests.
package customdata
