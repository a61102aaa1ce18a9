package namespace

// PostgreSQL enforces access, not Go checks that raw SQL could walk around:
// a read handle changes nothing by any path, and a handle of one namespace
// reaches no other namespace nor the keys. Each namespace has two login roles,
// a reader and a writer, named by internal/pgrole (database OID + digest of
// the namespace). A handle's pool logs in as one of them, so nothing a
// plugin sends (raw SQL, RESET ROLE, SET ROLE) gains more than the role's
// grants:
//
//   - reader: USAGE on the schema, SELECT on its tables;
//   - writer: USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on its tables
//     and USAGE on its sequences;
//   - neither: anything on namespace_auth or schema_version, any other
//     namespace, or the platform's tables except SELECT on the tables that
//     sdkmodel models (sdkmodel.PlatformTables).
//
// Role passwords are random and kept in customdata_admin.role_credential,
// a schema that only the Manager's admin user can reach. CREATE/ALTER ROLE
// carries only their SCRAM verifiers; the row that records a password sends
// it as a bind parameter, which a server logging every statement with its
// parameters (log_statement = all) would log.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// roleNames returns the reader and writer role of ns.
func (m *Manager) roleNames(ns string) (reader, writer string) {
	return pgrole.Name(m.dbOID, ns, string(accessRead)), pgrole.Name(m.dbOID, ns, string(accessReadWrite))
}

// ensureRoles makes sure both login roles of ns exist with a known password.
// It runs inside the caller's transaction, under the namespace's lock.
func (m *Manager) ensureRoles(tx *gorm.DB, ns string) error {
	reader, writer := m.roleNames(ns)
	for _, r := range []struct{ role, access string }{{reader, string(accessRead)}, {writer, string(accessReadWrite)}} {
		var state struct {
			RoleExists     bool
			HasCred        bool
			ConnLimit      int
			SettingsDiffer bool
		}
		err := tx.Raw(`SELECT r.oid IS NOT NULL AS role_exists,
       EXISTS (SELECT 1 FROM `+sqlident.Quote(adminSchema, credentialTable)+` WHERE role_name = $1) AS has_cred,
       coalesce(r.rolconnlimit, -1) AS conn_limit,
       r.oid IS NOT NULL AND `+roleSettingsDiffer+` AS settings_differ
FROM (SELECT 1) one LEFT JOIN pg_roles r ON r.rolname = $1`, r.role, m.roleSettings, m.superuser).Scan(&state).Error
		if err != nil {
			return fmt.Errorf("customdata: look up role for namespace %q: %w", ns, err)
		}
		if state.RoleExists && state.HasCred {
			if !connLimitSuits(state.ConnLimit, m.cfg.RoleConnectionLimit) {
				if err := tx.Exec(connectionLimitSQL(r.role, m.cfg.RoleConnectionLimit)).Error; err != nil {
					return fmt.Errorf("customdata: set the connection limit of a role of namespace %q: %w", ns, err)
				}
			}
			if state.SettingsDiffer {
				if err := m.applyRoleSettings(tx, r.role); err != nil {
					return err
				}
			}
			continue
		}
		if _, err := m.setRolePassword(tx, r.role, ns, r.access, state.RoleExists); err != nil {
			return err
		}
	}
	return nil
}

// setRolePassword creates the login role (or, if it exists, resets it) with
// a fresh random password, records the password for the Manager and returns
// it. The statements run with GORM's logger off: the password is a literal
// in them.
func (m *Manager) setRolePassword(tx *gorm.DB, role, ns, access string, exists bool) (string, error) {
	tx = tx.Session(&gorm.Session{Logger: logger.Discard})
	pw := randomPassword()
	verifier, err := pgrole.SCRAMVerifier(pw)
	if err != nil {
		return "", err
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	stmts := []string{
		verb + " ROLE " + sqlident.Quote(role) + " WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD " + sqlident.Literal(verifier),
		connectionLimitSQL(role, m.cfg.RoleConnectionLimit),
		// The comment names no namespace: every role can read it.
		"COMMENT ON ROLE " + sqlident.Quote(role) + " IS " + sqlident.Literal("customdata namespace role ("+access+")"),
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return "", fmt.Errorf("customdata: create role for namespace %q: %w", ns, err)
		}
	}
	// Settings a role gave itself (ALTER ROLE CURRENT_USER SET ...) go;
	// the handle limits stay.
	if err := m.applyRoleSettings(tx, role); err != nil {
		return "", err
	}
	err = tx.Exec(`INSERT INTO `+sqlident.Quote(adminSchema, credentialTable)+` (role_name, namespace, access_level, password)
VALUES ($1, $2, $3, $4)
ON CONFLICT (role_name) DO UPDATE SET password = excluded.password`, role, ns, access, pw).Error
	if err != nil {
		return "", fmt.Errorf("customdata: record role for namespace %q: %w", ns, err)
	}
	return pw, nil
}

// connectionLimitSQL sets role's CONNECTION LIMIT (-1: none).
func connectionLimitSQL(role string, limit int) string {
	return "ALTER ROLE " + sqlident.Quote(role) + " CONNECTION LIMIT " + strconv.Itoa(limit)
}

// grant gives the roles of ns exactly their privileges on every table that
// exists now (system and custom tables, and the SDK tables). It runs after
// every DDL of an install, so tables added later are covered too. It runs
// only the grants and revokes that are missing: a statement on an object
// updates the object's catalog row even when it changes nothing, and plugin
// code can hold such a row locked (see locks.go).
func (m *Manager) grant(tx *gorm.DB, ns string) error {
	reader, writer := m.roleNames(ns)
	qr, qw, qs := sqlident.Quote(reader), sqlident.Quote(writer), sqlident.Quote(ns)
	var state struct {
		DBName  string
		Connect bool
		Usage   bool
	}
	if err := tx.Raw(`SELECT current_database() AS db_name,
       has_database_privilege($1, current_database(), 'CONNECT') AND has_database_privilege($2, current_database(), 'CONNECT') AS connect,
       has_schema_privilege($1, $3, 'USAGE') AND has_schema_privilege($2, $3, 'USAGE') AS usage`,
		reader, writer, ns).Scan(&state).Error; err != nil {
		return fmt.Errorf("customdata: look up the grants of namespace %q: %w", ns, err)
	}
	// Tables and sequences: what each role lacks, and whether a private
	// one (the key table, schema_version and the key table's id sequence:
	// nobody's business but the Manager's) grants anything to PUBLIC or
	// the roles.
	var rels []struct {
		Relname  string
		Kind     string
		Private  bool
		ReaderOK bool
		WriterOK bool
		Exposed  bool
	}
	if err := tx.Raw(`SELECT c.relname, c.relkind::text AS kind,
       (c.relkind IN ('r', 'p') AND c.relname = ANY($2)) OR (c.relkind = 'S' AND EXISTS (
         SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_class'::regclass AND t.relname = ANY($2))) AS private,
       CASE WHEN c.relkind = 'S' THEN true ELSE has_table_privilege($3, c.oid, 'SELECT') END AS reader_ok,
       CASE WHEN c.relkind = 'S' THEN has_sequence_privilege($4, c.oid, 'USAGE') AND has_sequence_privilege($4, c.oid, 'SELECT')
            ELSE has_table_privilege($4, c.oid, 'SELECT') AND has_table_privilege($4, c.oid, 'INSERT')
             AND has_table_privilege($4, c.oid, 'UPDATE') AND has_table_privilege($4, c.oid, 'DELETE') END AS writer_ok,
       EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0 OR a.grantee IN (SELECT oid FROM pg_roles WHERE rolname IN ($3, $4))) AS exposed
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S') ORDER BY c.relname`,
		ns, systables.Private, reader, writer).Scan(&rels).Error; err != nil {
		return fmt.Errorf("customdata: list tables of namespace %q: %w", ns, err)
	}
	platformGrants, err := platformTableGrants(tx, reader, writer)
	if err != nil {
		return err
	}
	var stmts []string
	if !state.Connect {
		// PUBLIC normally has CONNECT; where a deployment revoked it, the
		// roles need their own.
		stmts = append(stmts, "GRANT CONNECT ON DATABASE "+sqlident.Quote(state.DBName)+" TO "+qr+", "+qw)
	}
	shared := len(stmts) > 0 || len(platformGrants) > 0
	if !state.Usage {
		stmts = append(stmts, "GRANT USAGE ON SCHEMA "+qs+" TO "+qr+", "+qw)
	}
	for _, r := range rels {
		q := sqlident.Quote(ns, r.Relname)
		switch {
		case r.Private && r.Exposed && r.Kind == "S":
			stmts = append(stmts, "REVOKE ALL ON SEQUENCE "+q+" FROM PUBLIC, "+qr+", "+qw)
		case r.Private && r.Exposed:
			stmts = append(stmts, "REVOKE ALL ON "+q+" FROM PUBLIC, "+qr+", "+qw)
		case r.Private:
		case r.Kind == "S":
			if !r.WriterOK {
				stmts = append(stmts, "GRANT USAGE, SELECT ON SEQUENCE "+q+" TO "+qw)
			}
		default:
			if !r.ReaderOK {
				stmts = append(stmts, "GRANT SELECT ON "+q+" TO "+qr)
			}
			if !r.WriterOK {
				stmts = append(stmts, "GRANT SELECT, INSERT, UPDATE, DELETE ON "+q+" TO "+qw)
			}
		}
	}
	stmts = append(stmts, platformGrants...)
	if shared {
		// GRANTs on one shared object at once fail with "tuple
		// concurrently updated": installs of different namespaces take
		// turns here, and only here.
		if err := lockRow(tx, grantsLock); err != nil {
			return err
		}
	}
	canvas, err := m.lookupCanvasRoles(tx)
	if err != nil {
		return err
	}
	if err := m.canvasLayout(tx, ns, canvas); err != nil {
		return err
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("customdata: grant access to namespace %q (%s): %w", ns, s, err)
		}
	}
	return nil
}

// platformTableGrants returns the statements that give a namespace's
// reader and writer SELECT on the platform's tables that plugins may read,
// exactly those of sdkmodel.PlatformTables that exist in public, where
// either lacks it, and that take back the SELECT granted to either on any
// other table in public (earlier versions granted every
// canvas_sdk_data_api_% table). One query finds both; a namespace whose
// grants are right gets no statement.
// This is the one place that decides which platform tables those are.
func platformTableGrants(tx *gorm.DB, reader, writer string) ([]string, error) {
	var tables []struct {
		Relname string
		Listed  bool
	}
	if err := tx.Raw(`SELECT c.relname, c.relname = ANY($3::text[]) AS listed
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
  AND CASE WHEN c.relname = ANY($3::text[])
      THEN NOT (has_table_privilege($1, c.oid, 'SELECT') AND has_table_privilege($2, c.oid, 'SELECT'))
      ELSE EXISTS (SELECT 1 FROM aclexplode(c.relacl) a
                   WHERE a.privilege_type = 'SELECT' AND a.grantee IN (SELECT oid FROM pg_roles WHERE rolname IN ($1, $2)))
      END
ORDER BY c.relname`, reader, writer, sdkmodel.PlatformTables()).Scan(&tables).Error; err != nil {
		return nil, fmt.Errorf("customdata: list SDK tables: %w", err)
	}
	var grant, revoke []string
	for _, t := range tables {
		if t.Listed {
			grant = append(grant, sqlident.Quote("public", t.Relname))
		} else {
			revoke = append(revoke, sqlident.Quote("public", t.Relname))
		}
	}
	roles := sqlident.Quote(reader) + ", " + sqlident.Quote(writer)
	var stmts []string
	// One statement for all of them: a namespace's first install grants
	// up to 214 tables.
	if len(grant) > 0 {
		stmts = append(stmts, "GRANT SELECT ON "+strings.Join(grant, ", ")+" TO "+roles)
	}
	if len(revoke) > 0 {
		stmts = append(stmts, "REVOKE SELECT ON "+strings.Join(revoke, ", ")+" FROM "+roles)
	}
	return stmts, nil
}

// dropRoles removes both roles of ns and their privileges in this database.
func (m *Manager) dropRoles(tx *gorm.DB, ns string) error {
	reader, writer := m.roleNames(ns)
	for _, r := range []string{reader, writer} {
		var exists bool
		if err := tx.Raw("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", r).Scan(&exists).Error; err != nil {
			return err
		}
		if exists {
			for _, s := range []string{"DROP OWNED BY " + sqlident.Quote(r), "DROP ROLE " + sqlident.Quote(r)} {
				if err := tx.Exec(s).Error; err != nil {
					return fmt.Errorf("customdata: drop role of namespace %q: %w", ns, err)
				}
			}
		}
		if err := tx.Exec("DELETE FROM "+sqlident.Quote(adminSchema, credentialTable)+" WHERE role_name = $1", r).Error; err != nil {
			return err
		}
	}
	return nil
}

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
