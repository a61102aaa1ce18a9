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
// Installs are single transactions serialized per namespace by a row lock in
// the Manager's private schema (not an advisory lock, which any role could
// take; see below), and skip the model DDL when a plugin's models are unchanged.
//
// # Access
//
// Each namespace has a reader and a writer role (named from the database's
// OID and a digest of the namespace, so databases on one server never share
// roles). A handle's pool logs in as one of them, with a random password the
// Manager keeps in its private schema, so raw SQL, RESET ROLE and SET ROLE
// gain nothing: a read
// handle changes nothing by any path, no handle sees another namespace or any
// namespace's key digests, and of the platform's tables in public only those
// the sdkmodel package models (sdkmodel.PlatformTables: 214 tables, whatever
// their names) are readable, and none writable. The grants are checked at
// every install and at a key's first Open, so a table the list gains later
// is granted then. On top of that, a read
// handle's *gorm.DB refuses creates, updates, deletes and Exec with
// ErrWriteDenied before any round trip.
//
// # Opening handles, and pools at rest
//
// Open checks a key by its digest in one round trip and remembers what it
// granted for Config.KeyCacheTTL (5 s by default): within it, Open of a
// namespace whose pool the Manager already holds sends nothing to the
// database. The Manager keeps a pool after its last handle closes (up to
// 1,024 such pools; Manager.Close, RotateKeys and Drop close them), so a
// plugin that opens and closes a handle per event pays no round trip and,
// while a connection is still open, no login. The bound
// that buys: a key revoked or rotated by another Manager or process opens
// no more handles at most KeyCacheTTL after the change committed, while
// RotateKeys and Drop by this Manager refuse the old keys at once. (What
// handles already hold is a separate matter: RotateKeys gives the roles new
// passwords and ends their sessions.)
//
// A handle pool holds no connection it does not need: one idle for
// Config.PoolIdleTimeout (1 minute by default) is closed, so namespaces
// opened once and then idle hold no server connections at all, and the
// next call logs in again transparently (a few milliseconds).
//
// # Sharing a namespace with Python plugins
//
// Canvas's Python plugin runner runs every plugin's queries and model DDL as
// one shared role, canvas_sdk_read_only (Config.SDKRole). Wherever that role
// exists in the database, installs give a namespace Canvas's own layout: the
// role gets exactly what Canvas's setup grants it on the system tables and
// the schema, the tables Go creates are handed to it (so a Python install can
// extend them and Python plugins can use them), and its default privileges in
// the schema give the namespace's reader and writer their usual rights on the
// tables it creates later (a Python plugin's new model), with no re-install.
// Where the reporting role exists (Config.ReportingRole), it gets Canvas's
// read grants. The Manager's user must be able to act as the shared role: a
// superuser can; another user is made a member of it (which CREATEROLE
// allows up to PostgreSQL 15; from 16 on, grant the membership yourself).
// The namespace roles never become members of it, so none of this lets a Go
// handle write through a read key or reach another namespace.
//
// Every read_write install also signals readiness as Canvas's runner does: an
// upsert of the plugin's schema_version row (models_hash: a digest of its
// DDL) and NOTIFY ns_ready_<namespace> with payload "<plugin>:<models_hash>"
// when the install commits.
//
// # What PostgreSQL lets every role do, and what the Manager does about it
//
// Some things any PostgreSQL role may do regardless of grants; a plugin's
// raw SQL can do them too. The Manager closes what would break the rules
// above:
//
//   - Locks: every role may take any advisory lock, so the Manager's own
//     locks (per namespace, and one for GRANTs on the SDK tables) are rows of
//     customdata_admin.lock, which no plugin role can reach.
//   - Lasting objects: large objects (lo_create, lo_creat, lo_from_bytea)
//     and WAL messages (pg_logical_emit_message) are executable by PUBLIC by
//     default. The first NewManager on a database revokes them from PUBLIC
//     there; a platform role that needs them must be granted them by name.
//   - A role may change its own password and its own settings (ALTER ROLE
//     CURRENT_USER ...). For each new connection of a handle pool the
//     Manager's admin connection checks the role for settings and has them
//     removed, and a failed login (28P01) renews the password, so neither
//     locks a namespace out.
//   - A connection's role password is readable by code holding the
//     connection, and is as good as the key it came from: RotateKeys gives
//     the roles new passwords, ends their sessions (where the admin user may
//     signal them) and closes this Manager's handles; Drop removes the roles.
//     The role DDL carries only SCRAM verifiers; the passwords themselves
//     are rows of customdata_admin.role_credential, which only the admin
//     user reads. They are sent to the server as bind parameters (so a
//     server that logs every statement with its parameters logs them) and
//     are in every backup of the database: treat both as secrets.
//   - The Manager's own statements run with search_path = pg_catalog, so no
//     object a plugin could create elsewhere stands in for a built-in one
//     (through a transaction pooler, see below, the server's search_path,
//     checked instead).
//
// # Limits
//
// Every namespace role carries the Manager's HandleLimits as its own
// settings (statement_timeout 30 s, lock_timeout 10 s,
// idle_in_transaction_session_timeout 60 s and, with a superuser Manager,
// temp_file_limit 1 GiB by default), and a CONNECTION LIMIT
// (Config.RoleConnectionLimit, 4 × MaxConnsPerPool by default): a plugin
// that lifts its pool's bound or holds sessions open exhausts only its own
// namespace's share of the server. Settings a plugin gives its role are
// replaced by the Manager's at the next connection, except limits at least
// as strict as the Manager's, written as plain numbers (ALTER ROLE ...
// SET statement_timeout = 20000): those stay, so Managers with different
// limits (or connection limits) do not undo each other's, and a Manager
// that is no superuser leaves the temp_file_limit a superuser Manager set.
//
// Handles of one namespace and level share a pool, but a connection whose
// session a caller changed (SET, RESET, DISCARD, DEALLOCATE, PREPARE,
// LISTEN, temporary objects, DO blocks, set_config, session advisory
// locks, a reported parameter such as client_encoding, an open
// transaction) is discarded, not handed to the next caller; the check
// reads each statement's text (comments skipped; any dollar-quoted string
// counts as a change) and costs no round trip. Not seen: a setting the
// server does not report (statement_timeout, and search_path before
// PostgreSQL 18) changed where no statement text shows it: through the
// raw pgx connection's protocol-level calls, or by a function that calls
// set_config under another name (such as one a deployment created).
//
// Left as PostgreSQL has it, and worth knowing: the
// catalogs show every role which schemas, tables and roles exist, and the
// planner's row estimates of every table, though no rows or key digests of
// other namespaces; a role may record default privileges for the tables it
// would create (ALTER DEFAULT PRIVILEGES), though it can create none;
// NOTIFY channels are database-wide, so a plugin can send on any channel,
// another namespace's readiness channel included (Canvas's runner takes a
// matching payload there as "ready" without re-reading schema_version);
// a plugin may change its own session's timeouts (SET statement_timeout),
// though not temp_file_limit; PUBLIC keeps CONNECT and TEMP on
// databases, so a role password also opens other databases of the server,
// with PUBLIC's rights there. A deployment that wants these closed revokes
// CONNECT and TEMP from PUBLIC itself. The *sql.DB under a handle's
// *gorm.DB is the shared pool: plugin code that closes it (or changes its
// limits) does so for every handle of that namespace and level in this
// Manager until they are all closed; plugin code closes its Handle instead.
//
// # Through PgBouncer in transaction mode
//
// Where many application instances share a server through a pooler that
// lends a server session for one transaction at a time (PgBouncer's
// pool_mode = transaction), set Config.TransactionPooler:
//
//	m, err := namespace.NewManagerWithConfig(ctx, namespace.Config{
//		DSN:               "postgres://platform:secret@127.0.0.1:6432/canvas",
//		TransactionPooler: true,
//	})
//
// Without it NewManager fails with ErrTransactionPooler (the pooler refuses
// the search_path startup parameter of the Manager's own sessions). With
// it, every connection sends each statement as an unnamed statement in one
// round trip (pgx's QueryExecModeExec; a DSN's own
// default_query_exec_mode of exec, simple_protocol or cache_describe is
// kept), so no prepared statement is lost between transactions, and
// nothing the SDK does relies on session state across transactions. The
// Manager's sessions then run with the server's search_path, and
// NewManager refuses (ErrUnsafeSearchPath) where any role but a schema's
// owner may create objects in a schema on it (REVOKE CREATE ON SCHEMA ...
// FROM PUBLIC, or give the Manager's user its own search_path with ALTER
// ROLE ... SET search_path = pg_catalog). Each call costs a parse and plan
// on the server that a cached prepared statement saves (see
// BenchmarkTransactionPooler). The pooler must let namespace roles log in
// with their passwords, e.g. PgBouncer's auth_query
// (auth_type = scram-sha-256, auth_user = the Manager's user). Handle limits
// and connection limits are the roles' own, so they hold on the pooler's
// server sessions.
//
// The session guard above cannot reach the pooler's server sessions: a
// setting a plugin makes outside a transaction (SET
// default_transaction_read_only, a session advisory lock, ...) stays on the
// server session the pooler lends next to another plugin of the same
// namespace and level. PgBouncer restores client_encoding, DateStyle,
// TimeZone and standard_conforming_strings itself; set
// server_reset_query = DISCARD ALL and server_reset_query_always = 1 so it
// clears the rest after every transaction.
//
// # Locks plugin code can hold
//
// Any role may run a no-op GRANT on an object it can use (PostgreSQL only
// warns), and so hold that object's catalog row locked for as long as its
// transaction lasts; a plugin's long transaction on a custom table holds
// the table against ALTER TABLE. So an install grants only what is missing
// (a re-install grants nothing), takes the one database-wide lock (for
// GRANTs on the database and the SDK tables) only when a new role needs
// them, and waits at most Config.LockWait (5 s) for any lock after the
// namespace's own, three attempts in all, before it fails with
// ErrLockTimeout. A failed install leaves nothing behind.
//
// # Errors
//
// Refusals match one sentinel each with errors.Is: ErrInvalidNamespace,
// ErrNamespaceNotFound, ErrKeyMissing, ErrKeyInvalid, ErrReadOnlyKey,
// ErrWriteDenied (and, from NewManager, ErrTransactionPooler and
// ErrUnsafeSearchPath). Their messages name the plugin, the namespace and the fix.
// Where PostgreSQL refused, errors.As still finds the *pgconn.PgError.
//
// # Administration
//
// List, Inspect, Reset and Drop mirror `canvas namespace`; Reset and Drop are
// dry runs unless DestructiveOptions.Apply is set. AddKey and RotateKeys
// manage keys. Uninstalling a plugin keeps the namespace and its data.
package namespace
