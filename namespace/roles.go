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

// roleState is what ensureRoles reads of one namespace role.
type roleState struct {
	RoleExists     bool `json:"role_exists"`
	HasCred        bool `json:"has_cred"`
	ConnLimit      int  `json:"conn_limit"`
	SettingsDiffer bool `json:"settings_differ"`
}

// roleStateSQL reads a roleState: $1 the role, $2 and $3 as for
// roleSettingsDiffer. It returns one row, whether the role exists or not.
var roleStateSQL = `SELECT r.oid IS NOT NULL AS role_exists,
       EXISTS (SELECT 1 FROM ` + sqlident.Quote(adminSchema, credentialTable) + ` WHERE role_name = $1) AS has_cred,
       coalesce(r.rolconnlimit, -1) AS conn_limit,
       r.oid IS NOT NULL AND ` + roleSettingsDiffer + ` AS settings_differ
FROM (SELECT 1) one LEFT JOIN pg_roles r ON r.rolname = $1`

// roleStates are the states of a namespace's reader and writer.
type roleStates [2][]roleState

// readRoleStates queues the reads of both roles' states of ns.
func (m *Manager) readRoleStates(r stateReader, ns string, into *roleStates) {
	reader, writer := m.roleNames(ns)
	for i, role := range []string{reader, writer} {
		r.read(fmt.Sprintf("look up role for namespace %q", ns), &into[i], roleStateSQL, role, m.roleSettings, m.superuser)
	}
}

// rolePlan returns the statements that give both roles of ns a known
// password, the connection limit and the settings, as ensureRoles does, from
// their states; db is the current database.
func (m *Manager) rolePlan(ns string, states *roleStates, db string) ([]stmt, error) {
	reader, writer := m.roleNames(ns)
	var stmts []stmt
	for i, r := range []struct{ role, access string }{{reader, string(accessRead)}, {writer, string(accessReadWrite)}} {
		var state roleState
		if len(states[i]) == 1 {
			state = states[i][0]
		}
		if state.RoleExists && state.HasCred {
			if !connLimitSuits(state.ConnLimit, m.cfg.RoleConnectionLimit) {
				stmts = append(stmts, stmt{sql: connectionLimitSQL(r.role, m.cfg.RoleConnectionLimit),
					what: fmt.Sprintf("set the connection limit of a role of namespace %q", ns)})
			}
			if state.SettingsDiffer {
				stmts = append(stmts, m.roleSettingsStmts(r.role, db)...)
			}
			continue
		}
		_, ps, err := m.rolePasswordStmts(r.role, ns, r.access, state.RoleExists, db)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, ps...)
	}
	return stmts, nil
}

// rolesInPlace reports whether rolePlan has nothing to do for states.
func (m *Manager) rolesInPlace(states *roleStates) bool {
	for _, st := range states {
		if len(st) != 1 || !st[0].RoleExists || !st[0].HasCred || st[0].SettingsDiffer || !connLimitSuits(st[0].ConnLimit, m.cfg.RoleConnectionLimit) {
			return false
		}
	}
	return true
}

// ensureRoles makes sure both login roles of ns exist with a known password.
// It runs inside the caller's transaction, under the namespace's lock.
func (m *Manager) ensureRoles(tx *gorm.DB, ns string) error {
	var states roleStates
	g := &gormReader{tx: tx}
	m.readRoleStates(g, ns, &states)
	if g.err != nil {
		return g.err
	}
	if m.rolesInPlace(&states) {
		return nil
	}
	var db string
	if err := tx.Raw("SELECT current_database()").Scan(&db).Error; err != nil {
		return err
	}
	stmts, err := m.rolePlan(ns, &states, db)
	if err != nil {
		return err
	}
	// The statements carry password verifiers and passwords.
	return execGorm(tx.Session(&gorm.Session{Logger: logger.Discard}), stmts)
}

// setRolePassword creates the login role (or, if it exists, resets it) with
// a fresh random password, records the password for the Manager and returns
// it. The statements run with GORM's logger off: the password is a literal
// in them.
func (m *Manager) setRolePassword(tx *gorm.DB, role, ns, access string, exists bool) (string, error) {
	tx = tx.Session(&gorm.Session{Logger: logger.Discard})
	var db string
	if err := tx.Raw("SELECT current_database()").Scan(&db).Error; err != nil {
		return "", err
	}
	pw, stmts, err := m.rolePasswordStmts(role, ns, access, exists, db)
	if err != nil {
		return "", err
	}
	if err := execGorm(tx, stmts); err != nil {
		return "", err
	}
	return pw, nil
}

// rolePasswordStmts returns a fresh random password for role and the
// statements of setRolePassword that set and record it; db is the current
// database. Nothing that runs them may log them: the first carries the
// password's verifier, the last the password (as a parameter).
func (m *Manager) rolePasswordStmts(role, ns, access string, exists bool, db string) (string, []stmt, error) {
	pw := randomPassword()
	verifier, err := pgrole.SCRAMVerifier(pw)
	if err != nil {
		return "", nil, err
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	what := fmt.Sprintf("create role for namespace %q", ns)
	stmts := []stmt{
		{sql: verb + " ROLE " + sqlident.Quote(role) + " WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD " + sqlident.Literal(verifier), what: what, secret: true},
		{sql: connectionLimitSQL(role, m.cfg.RoleConnectionLimit), what: what},
		// The comment names no namespace: every role can read it.
		{sql: "COMMENT ON ROLE " + sqlident.Quote(role) + " IS " + sqlident.Literal("customdata namespace role ("+access+")"), what: what},
	}
	// Settings a role gave itself (ALTER ROLE CURRENT_USER SET ...) go;
	// the handle limits stay.
	stmts = append(stmts, m.roleSettingsStmts(role, db)...)
	stmts = append(stmts, stmt{sql: `INSERT INTO ` + sqlident.Quote(adminSchema, credentialTable) + ` (role_name, namespace, access_level, password)
VALUES ($1, $2, $3, $4)
ON CONFLICT (role_name) DO UPDATE SET password = excluded.password`, args: []any{role, ns, access, pw},
		what: fmt.Sprintf("record role for namespace %q", ns), secret: true})
	return pw, stmts, nil
}

// connectionLimitSQL sets role's CONNECTION LIMIT (-1: none).
func connectionLimitSQL(role string, limit int) string {
	return "ALTER ROLE " + sqlident.Quote(role) + " CONNECTION LIMIT " + strconv.Itoa(limit)
}

// grantState is what grant reads: the namespace's base grants, its tables
// and sequences, the platform tables, and Canvas's layout.
type grantState struct {
	Base []struct {
		DBName  string `json:"db_name"`
		Connect bool   `json:"connect"`
		Usage   bool   `json:"usage"`
	}
	Rels     []relGrants
	Platform []platformTable
	Canvas   canvasState
}

// relGrants is one table or sequence of a namespace: what each role lacks,
// and whether a private one (the key table, schema_version and the key
// table's id sequence: nobody's business but the Manager's) grants
// anything to PUBLIC or the roles.
type relGrants struct {
	Relname  string `json:"relname"`
	Kind     string `json:"kind"`
	Private  bool   `json:"private"`
	ReaderOK bool   `json:"reader_ok"`
	WriterOK bool   `json:"writer_ok"`
	Exposed  bool   `json:"exposed"`
}

// platformTable is a table of public that platformTableGrants grants
// (Listed) or takes back.
type platformTable struct {
	Relname string `json:"relname"`
	Listed  bool   `json:"listed"`
}

// The queries of grantState. Roles and schemas are looked up by name, so
// that a role or schema that does not exist yet reads as lacking every
// privilege instead of failing the query.
const (
	grantBaseSQL = `SELECT current_database() AS db_name,
       coalesce(has_database_privilege(r.oid, current_database(), 'CONNECT') AND has_database_privilege(w.oid, current_database(), 'CONNECT'), false) AS connect,
       coalesce(has_schema_privilege(r.oid, n.oid, 'USAGE') AND has_schema_privilege(w.oid, n.oid, 'USAGE'), false) AS usage
FROM (SELECT 1) one
LEFT JOIN pg_roles r ON r.rolname = $1
LEFT JOIN pg_roles w ON w.rolname = $2
LEFT JOIN pg_namespace n ON n.nspname = $3`
	grantRelsSQL = `SELECT c.relname, c.relkind::text AS kind,
       (c.relkind IN ('r', 'p') AND c.relname = ANY($2::text[])) OR (c.relkind = 'S' AND EXISTS (
         SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_class'::regclass AND t.relname = ANY($2::text[]))) AS private,
       coalesce(CASE WHEN c.relkind = 'S' THEN true ELSE has_table_privilege(r.oid, c.oid, 'SELECT') END, false) AS reader_ok,
       coalesce(CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(w.oid, c.oid, 'USAGE') AND has_sequence_privilege(w.oid, c.oid, 'SELECT')
            ELSE has_table_privilege(w.oid, c.oid, 'SELECT') AND has_table_privilege(w.oid, c.oid, 'INSERT')
             AND has_table_privilege(w.oid, c.oid, 'UPDATE') AND has_table_privilege(w.oid, c.oid, 'DELETE') END, false) AS writer_ok,
       EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = 0 OR a.grantee IN (SELECT oid FROM pg_roles WHERE rolname IN ($3, $4))) AS exposed
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_roles r ON r.rolname = $3
LEFT JOIN pg_roles w ON w.rolname = $4
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S') ORDER BY c.relname`
	platformTablesSQL = `SELECT c.relname, c.relname = ANY($3::text[]) AS listed
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_roles r ON r.rolname = $1
LEFT JOIN pg_roles w ON w.rolname = $2
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
  AND CASE WHEN c.relname = ANY($3::text[])
      THEN NOT coalesce(has_table_privilege(r.oid, c.oid, 'SELECT') AND has_table_privilege(w.oid, c.oid, 'SELECT'), false)
      ELSE EXISTS (SELECT 1 FROM aclexplode(c.relacl) a
                   WHERE a.privilege_type = 'SELECT' AND a.grantee IN (SELECT oid FROM pg_roles WHERE rolname IN ($1, $2)))
      END
ORDER BY c.relname`
)

// readGrantState queues the reads of ns's grantState; canvas are the
// Canvas roles whose layout to read (the configured ones when not known
// yet: a role that does not exist reads as lacking everything).
func (m *Manager) readGrantState(r stateReader, ns string, canvas canvasRoles, into *grantState) {
	reader, writer := m.roleNames(ns)
	what := fmt.Sprintf("look up the grants of namespace %q", ns)
	r.read(what, &into.Base, grantBaseSQL, reader, writer, ns)
	r.read(fmt.Sprintf("list tables of namespace %q", ns), &into.Rels, grantRelsSQL, ns, systables.Private, reader, writer)
	r.read("list SDK tables", &into.Platform, platformTablesSQL, reader, writer, sdkmodel.PlatformTables())
	m.readCanvasState(r, ns, canvas, &into.Canvas)
}

// grantPlan returns, from st, the statements that give ns's roles exactly
// their privileges and ns Canvas's layout (for the Canvas roles that
// exist), only those that are missing, and whether they touch shared
// objects (then the "grants" lock must be held first).
func (m *Manager) grantPlan(ns string, st *grantState, canvas canvasRoles) (stmts []stmt, shared bool, err error) {
	if len(st.Base) != 1 {
		return nil, false, fmt.Errorf("customdata: look up the grants of namespace %q: no answer", ns)
	}
	base := st.Base[0]
	reader, writer := m.roleNames(ns)
	qr, qw, qs := sqlident.Quote(reader), sqlident.Quote(writer), sqlident.Quote(ns)
	var grants []string
	if !base.Connect {
		// PUBLIC normally has CONNECT; where a deployment revoked it, the
		// roles need their own.
		grants = append(grants, "GRANT CONNECT ON DATABASE "+sqlident.Quote(base.DBName)+" TO "+qr+", "+qw)
	}
	platformGrants := platformTableGrants(st.Platform, reader, writer)
	shared = len(grants) > 0 || len(platformGrants) > 0
	if !base.Usage {
		grants = append(grants, "GRANT USAGE ON SCHEMA "+qs+" TO "+qr+", "+qw)
	}
	for _, r := range st.Rels {
		q := sqlident.Quote(ns, r.Relname)
		switch {
		case r.Private && r.Exposed && r.Kind == "S":
			grants = append(grants, "REVOKE ALL ON SEQUENCE "+q+" FROM PUBLIC, "+qr+", "+qw)
		case r.Private && r.Exposed:
			grants = append(grants, "REVOKE ALL ON "+q+" FROM PUBLIC, "+qr+", "+qw)
		case r.Private:
		case r.Kind == "S":
			if !r.WriterOK {
				grants = append(grants, "GRANT USAGE, SELECT ON SEQUENCE "+q+" TO "+qw)
			}
		default:
			if !r.ReaderOK {
				grants = append(grants, "GRANT SELECT ON "+q+" TO "+qr)
			}
			if !r.WriterOK {
				grants = append(grants, "GRANT SELECT, INSERT, UPDATE, DELETE ON "+q+" TO "+qw)
			}
		}
	}
	grants = append(grants, platformGrants...)
	if shared {
		// GRANTs on one shared object at once fail with "tuple
		// concurrently updated": installs of different namespaces take
		// turns here, and only here.
		stmts = append(stmts, lockRowStmts(grantsLock)...)
	}
	stmts = append(stmts, m.canvasPlan(ns, canvas, &st.Canvas)...)
	for _, g := range grants {
		stmts = append(stmts, stmt{sql: g, what: fmt.Sprintf("grant access to namespace %q (%s)", ns, g)})
	}
	return stmts, shared, nil
}

// grant gives the roles of ns exactly their privileges on every table that
// exists now (system and custom tables, and the SDK tables). It runs after
// every DDL of an install, so tables added later are covered too. It runs
// only the grants and revokes that are missing: a statement on an object
// updates the object's catalog row even when it changes nothing, and plugin
// code can hold such a row locked (see locks.go).
func (m *Manager) grant(tx *gorm.DB, ns string) error {
	canvas, err := m.lookupCanvasRoles(tx)
	if err != nil {
		return err
	}
	if canvas.sdk != "" {
		if err := actAsSDKRole(tx, canvas.sdk); err != nil {
			return err
		}
	}
	var st grantState
	g := &gormReader{tx: tx}
	m.readGrantState(g, ns, canvas, &st)
	if g.err != nil {
		return g.err
	}
	stmts, _, err := m.grantPlan(ns, &st, canvas)
	if err != nil {
		return err
	}
	return execGorm(tx, stmts)
}

// platformTableGrants returns the statements that give a namespace's
// reader and writer SELECT on the platform's tables that plugins may read,
// exactly those of sdkmodel.PlatformTables that exist in public, where
// either lacks it, and that take back the SELECT granted to either on any
// other table in public (earlier versions granted every
// canvas_sdk_data_api_% table). One query (platformTablesSQL) finds both; a
// namespace whose grants are right gets no statement.
// This is the one place that decides which platform tables those are.
func platformTableGrants(tables []platformTable, reader, writer string) []string {
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
	return stmts
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
