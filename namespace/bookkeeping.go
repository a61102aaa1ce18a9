package namespace

// The Manager's own bookkeeping lives in schema customdata_admin, which no
// plugin role can reach (no USAGE):
//
//   - role_credential: the password of every namespace role;
//   - lock: one row per lock name. Installs, key changes, drops and role
//     resets of a namespace hold its row FOR UPDATE, and every GRANT on the
//     shared SDK tables holds the "grants" row. Row locks, unlike advisory
//     locks (which any role may take on any key), cannot be held by plugin
//     SQL, so no plugin can block another namespace's installs;
//   - setup: the version of this bookkeeping, so it is prepared once.

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

const (
	adminSchema     = "customdata_admin"
	credentialTable = "role_credential"
	lockTable       = "lock"
	setupTable      = "setup"
	// setupVersion changes whenever prepareAdminSchema does more.
	setupVersion = 1
	// setupLockKey serializes the first preparation, before the lock table
	// exists. Only the very first NewManager on a database takes it.
	setupLockKey = int64(0x637573746f6d6461) // "customda"
	grantsLock   = "grants"
)

// publicFunctionsRevoked are built-in functions that PostgreSQL lets every
// role (PUBLIC) execute and through which a read-only role would make
// lasting changes outside its grants: large objects and WAL messages.
// prepareAdminSchema revokes them from PUBLIC in the platform database.
var publicFunctionsRevoked = []string{
	"lo_create(oid)",
	"lo_creat(integer)",
	"lo_from_bytea(oid, bytea)",
	"pg_logical_emit_message(boolean, text, text)",
	"pg_logical_emit_message(boolean, text, bytea)",
}

// ensureAdminSchema prepares the bookkeeping unless this version already did.
func ensureAdminSchema(ctx context.Context, db *gorm.DB) error {
	var prepared bool
	if err := db.WithContext(ctx).Raw("SELECT to_regclass($1) IS NOT NULL", adminSchema+"."+setupTable).Scan(&prepared).Error; err != nil {
		return fmt.Errorf("customdata: look up admin schema %s: %w", adminSchema, err)
	}
	if prepared {
		var version int
		if err := db.WithContext(ctx).Raw("SELECT coalesce(max(version), 0) FROM " + sqlident.Quote(adminSchema, setupTable)).Scan(&version).Error; err != nil {
			return fmt.Errorf("customdata: look up admin schema %s: %w", adminSchema, err)
		}
		if version >= setupVersion {
			return nil
		}
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		stmts := []string{
			"SELECT pg_advisory_xact_lock(" + fmt.Sprint(setupLockKey) + ")",
			"CREATE SCHEMA IF NOT EXISTS " + sqlident.Quote(adminSchema),
			"REVOKE ALL ON SCHEMA " + sqlident.Quote(adminSchema) + " FROM PUBLIC",
			"CREATE TABLE IF NOT EXISTS " + sqlident.Quote(adminSchema, credentialTable) + ` (
    role_name text PRIMARY KEY,
    namespace text NOT NULL,
    access_level text NOT NULL,
    password text NOT NULL
)`,
			"CREATE TABLE IF NOT EXISTS " + sqlident.Quote(adminSchema, lockTable) + " (name text PRIMARY KEY)",
			"CREATE TABLE IF NOT EXISTS " + sqlident.Quote(adminSchema, setupTable) + " (version integer PRIMARY KEY, done_at timestamptz NOT NULL DEFAULT now())",
		}
		for _, s := range stmts {
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("customdata: prepare admin schema %s: %w", adminSchema, err)
			}
		}
		for _, fn := range publicFunctionsRevoked {
			var exists bool
			if err := tx.Raw("SELECT to_regprocedure($1) IS NOT NULL", fn).Scan(&exists).Error; err != nil {
				return err
			}
			if !exists {
				continue // not in this PostgreSQL version
			}
			if err := tx.Exec("REVOKE EXECUTE ON FUNCTION " + fn + " FROM PUBLIC").Error; err != nil {
				return fmt.Errorf("customdata: revoke %s from PUBLIC: %w", fn, err)
			}
		}
		return tx.Exec("INSERT INTO "+sqlident.Quote(adminSchema, setupTable)+" (version) VALUES ($1) ON CONFLICT DO NOTHING", setupVersion).Error
	})
}

// lockRow takes the row lock name until tx ends, creating the row if needed.
// A concurrent creator of the same row waits for tx, then finds it.
func lockRow(tx *gorm.DB, name string) error {
	return execGorm(tx, lockRowStmts(name))
}

// lockRowStmts are lockRow's statements.
func lockRowStmts(name string) []stmt {
	lt := sqlident.Quote(adminSchema, lockTable)
	what := "lock " + name
	return []stmt{
		{sql: "INSERT INTO " + lt + " (name) VALUES ($1) ON CONFLICT DO NOTHING", args: []any{name}, what: what},
		{sql: "SELECT name FROM " + lt + " WHERE name = $1 FOR UPDATE", args: []any{name}, what: what},
	}
}

// namespaceLock serializes installs, key changes, role resets and drops of
// one namespace, across processes, until tx ends.
func namespaceLock(tx *gorm.DB, ns string) error { return lockRow(tx, "namespace:"+ns) }
