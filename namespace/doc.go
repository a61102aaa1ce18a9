// Package namespace creates custom data namespaces, checks the keys that
// let plugins into them, and hands plugin code a scoped connection whose
// rights PostgreSQL itself enforces.
//
// A namespace is a PostgreSQL schema named exactly as the manifest's
// custom_data.namespace (e.g. acme_org__shared_data). The platform holds a
// Manager over an admin connection:
//
//	m, err := namespace.NewManager(ctx, "postgres://postgres@127.0.0.1:5432/canvas")
//	inst, err := m.Install(ctx, namespace.Plugin{
//		Name:       "hello_custom_data",
//		CustomData: manifest.CustomData{Namespace: "my_org__hello_custom_data", Access: manifest.ReadWrite},
//		Models:     []any{&NoteTag{}},
//	})
//	// inst.Created: inst.Keys holds the two keys, shown this once.
//	h, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.ReadWrite)
//	db := h.DB(ctx) // a *gorm.DB for custommodel and attributehub
//
// # Installs
//
// The first read_write install creates the schema, its four system tables
// (column for column as Canvas makes them, so Python and Go plugins can share
// a namespace), two login roles and two keys. Later installs must present a
// key: read_write plugins the read_write key, read plugins either key.
// Installs are single transactions serialized per namespace by an advisory
// lock, and skip the model DDL when a plugin's models are unchanged.
//
// # Access
//
// Each namespace has a reader and a writer role (named from the database's
// OID and a digest of the namespace, so databases on one server never share
// roles). A handle's pool logs in as one of them, with a password only the
// Manager knows, so raw SQL, RESET ROLE and SET ROLE gain nothing: a read
// handle changes nothing by any path, no handle sees another namespace or any
// namespace's key digests, and the platform's tables are readable only where
// they are SDK tables (public.canvas_sdk_data_api_*). On top of that, a read
// handle's *gorm.DB refuses creates, updates, deletes and Exec with
// ErrWriteDenied before any round trip.
//
// # Errors
//
// Refusals match one sentinel each with errors.Is: ErrInvalidNamespace,
// ErrNamespaceNotFound, ErrKeyMissing, ErrKeyInvalid, ErrReadOnlyKey,
// ErrWriteDenied. Their messages name the plugin, the namespace and the fix.
// Where PostgreSQL refused, errors.As still finds the *pgconn.PgError.
//
// # Administration
//
// List, Inspect, Reset and Drop mirror `canvas namespace`; Reset and Drop are
// dry runs unless DestructiveOptions.Apply is set. AddKey and RotateKeys
// manage keys. Uninstalling a plugin keeps the namespace and its data.
package namespace
