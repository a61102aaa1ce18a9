package namespace

// The Canvas-compatible layout. Canvas's Python plugin runner runs every
// plugin's queries and model DDL as one shared role (canvas_sdk_read_only by
// default, Config.SDKRole here), so that role owns the custom tables it
// creates and needs grants on the system tables. Whenever that role exists
// in the database, every install (and the first Open of a namespace made
// elsewhere) gives a namespace the same layout Canvas's setup gives it:
//
//   - the role gets what Canvas's setup grants it (systables.SDKGrants), and
//     the tables Go makes are handed to it (ALTER TABLE ... OWNER TO), so a
//     Python install can extend them and Python plugins can use them;
//   - default privileges of the role in this schema give the namespace's
//     own reader and writer their usual rights on every table the role
//     creates later (a Python plugin's new model), with no re-install;
//   - where the reporting role exists (Config.ReportingRole), it gets
//     Canvas's read grants (systables.ReportingGrants).
//
// The Manager's user must be able to act as the SDK role (to alter and
// grant on tables it owns): a superuser can; any other user is made a
// member of it (GRANT role TO current_user), which a user with CREATEROLE
// may do. The namespace roles never become members: nothing here lets a Go
// handle reach another namespace, and read handles stay read-only.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
)

// Canvas's role names, the defaults of Config.SDKRole and Config.ReportingRole.
const (
	DefaultSDKRole       = "canvas_sdk_read_only"
	DefaultReportingRole = "reporting"
)

// canvasRoles are the Canvas roles present in the database ("" when absent).
type canvasRoles struct {
	sdk, reporting string
}

// lookupCanvasRoles reports which of the configured Canvas roles exist.
func (m *Manager) lookupCanvasRoles(tx *gorm.DB) (canvasRoles, error) {
	var found []canvasRole
	g := &gormReader{tx: tx}
	m.readCanvasRoles(g, &found)
	if g.err != nil {
		return canvasRoles{}, g.err
	}
	return m.canvasRolesOf(found), nil
}

// canvasRole is a row of canvasRolesSQL.
type canvasRole struct {
	Rolname string `json:"rolname"`
}

const canvasRolesSQL = "SELECT rolname FROM pg_roles WHERE rolname IN ($1, $2)"

// readCanvasRoles queues the look-up of the configured Canvas roles.
func (m *Manager) readCanvasRoles(r stateReader, into *[]canvasRole) {
	r.read(fmt.Sprintf("look up roles %q and %q", m.cfg.SDKRole, m.cfg.ReportingRole), into, canvasRolesSQL, m.cfg.SDKRole, m.cfg.ReportingRole)
}

// canvasRolesOf tells which configured Canvas roles found names.
func (m *Manager) canvasRolesOf(found []canvasRole) canvasRoles {
	var r canvasRoles
	for _, f := range found {
		switch f.Rolname {
		case m.cfg.SDKRole:
			r.sdk = f.Rolname
		case m.cfg.ReportingRole:
			r.reporting = f.Rolname
		}
	}
	return r
}

// sdkMember is a row of sdkMemberSQL: whether the Manager's user has the
// privileges of role $1 (false when the role does not exist).
type sdkMember struct {
	Member bool `json:"member"`
}

const sdkMemberSQL = "SELECT coalesce((SELECT pg_has_role(current_user, oid, 'USAGE') FROM pg_roles WHERE rolname = $1), false) AS member"

// sdkMembershipStmts make the Manager's user a member of role sdk, as
// actAsSDKRole does; a read of sdkMemberSQL must follow them.
func sdkMembershipStmts(sdk string) []stmt {
	return append(lockRowStmts(grantsLock), stmt{sql: "GRANT " + sqlident.Quote(sdk) + " TO CURRENT_USER",
		what: fmt.Sprintf("the platform user cannot act as role %q, which owns the tables Python plugins create (grant it the role, or give it CREATEROLE)", sdk)})
}

// errSDKNoInherit is the error of a Manager's user that is a member of
// role sdk without its privileges.
func errSDKNoInherit(sdk string) error {
	return fmt.Errorf("customdata: the platform user is a member of role %q but does not inherit its privileges (NOINHERIT): make it inherit", sdk)
}

// actAsSDKRole makes sure the Manager's user holds the SDK role's
// privileges (a superuser does; any other user is made a member), so that
// it can alter and grant on the tables the role owns. It runs before any
// DDL of an install.
func actAsSDKRole(tx *gorm.DB, sdk string) error {
	var ok bool
	q := "SELECT pg_has_role(current_user, $1, 'USAGE')"
	if err := tx.Raw(q, sdk).Scan(&ok).Error; err != nil {
		return fmt.Errorf("customdata: check membership in role %q: %w", sdk, err)
	}
	if ok {
		return nil
	}
	// Two installs granting the same membership at once would collide.
	if err := lockRow(tx, grantsLock); err != nil {
		return err
	}
	if err := tx.Raw(q, sdk).Scan(&ok).Error; err != nil {
		return fmt.Errorf("customdata: check membership in role %q: %w", sdk, err)
	}
	if ok {
		return nil
	}
	if err := tx.Exec("GRANT " + sqlident.Quote(sdk) + " TO CURRENT_USER").Error; err != nil {
		return fmt.Errorf("customdata: the platform user cannot act as role %q, which owns the tables Python plugins create (grant it the role, or give it CREATEROLE): %w", sdk, err)
	}
	if err := tx.Raw(q, sdk).Scan(&ok).Error; err != nil {
		return fmt.Errorf("customdata: check membership in role %q: %w", sdk, err)
	}
	if !ok {
		return errSDKNoInherit(sdk)
	}
	return nil
}

// canvasState is what canvasLayout reads: the custom tables the Manager's
// user owns, and whether the SDK role's grants, its default privileges and
// the reporting role's grants are in place.
type canvasState struct {
	Mine []struct {
		Relname string `json:"relname"`
	}
	Have []struct {
		SDK       bool `json:"sdk"`
		Defaults  bool `json:"defaults"`
		Reporting bool `json:"reporting"`
	}
}

// The queries of canvasState, by name (a role, table or schema that does
// not exist reads as lacking everything).
const (
	canvasMineSQL = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND NOT (c.relname = ANY($2::text[])) ORDER BY c.relname`
	canvasHaveSQL = `SELECT
  coalesce(has_schema_privilege(s.oid, n.oid, 'USAGE') AND has_schema_privilege(s.oid, n.oid, 'CREATE')
  AND has_table_privilege(s.oid, to_regclass($3), 'SELECT') AND has_table_privilege(s.oid, to_regclass($4), 'SELECT')
  AND has_table_privilege(s.oid, to_regclass($5), 'SELECT') AND has_table_privilege(s.oid, to_regclass($5), 'INSERT') AND has_table_privilege(s.oid, to_regclass($5), 'UPDATE') AND has_table_privilege(s.oid, to_regclass($5), 'DELETE')
  AND has_table_privilege(s.oid, to_regclass($6), 'SELECT') AND has_table_privilege(s.oid, to_regclass($6), 'INSERT') AND has_table_privilege(s.oid, to_regclass($6), 'UPDATE') AND has_table_privilege(s.oid, to_regclass($6), 'DELETE')
  AND has_sequence_privilege(s.oid, to_regclass($7), 'USAGE') AND has_sequence_privilege(s.oid, to_regclass($8), 'USAGE'), false) AS sdk,
  (SELECT count(*) FROM pg_default_acl d, aclexplode(d.defaclacl) a
   WHERE d.defaclrole = s.oid AND d.defaclnamespace = n.oid
     AND ((d.defaclobjtype = 'r' AND a.grantee = rr.oid AND a.privilege_type = 'SELECT')
       OR (d.defaclobjtype = 'r' AND a.grantee = rw.oid AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE'))
       OR (d.defaclobjtype = 'S' AND a.grantee = rw.oid AND a.privilege_type IN ('USAGE', 'SELECT')))) = 7 AS defaults,
  coalesce(has_schema_privilege(p.oid, n.oid, 'USAGE')
    AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND NOT has_table_privilege(p.oid, c.oid, 'SELECT'))
    AND EXISTS (SELECT 1 FROM pg_default_acl d, aclexplode(d.defaclacl) a
      WHERE d.defaclrole = s.oid AND d.defaclnamespace = n.oid
        AND d.defaclobjtype = 'r' AND a.grantee = p.oid AND a.privilege_type = 'SELECT'), false) AS reporting
FROM (SELECT 1) one
LEFT JOIN pg_roles s ON s.rolname = $1
LEFT JOIN pg_namespace n ON n.nspname = $2
LEFT JOIN pg_roles rr ON rr.rolname = $9
LEFT JOIN pg_roles rw ON rw.rolname = $10
LEFT JOIN pg_roles p ON p.rolname = $11`
)

// readCanvasState queues the reads of ns's canvasState for roles r (the
// configured Canvas roles where r names none).
func (m *Manager) readCanvasState(rd stateReader, ns string, r canvasRoles, into *canvasState) {
	sdk, reporting := r.sdk, r.reporting
	if sdk == "" {
		sdk = m.cfg.SDKRole
	}
	if reporting == "" {
		reporting = m.cfg.ReportingRole
	}
	reader, writer := m.roleNames(ns)
	q := func(t string) string { return sqlident.Quote(ns, t) }
	rd.read(fmt.Sprintf("list tables of namespace %q", ns), &into.Mine, canvasMineSQL, ns, systemTables)
	rd.read(fmt.Sprintf("look up the grants of namespace %q to role %q", ns, sdk), &into.Have, canvasHaveSQL,
		sdk, ns, q(systables.NamespaceAuth), q(systables.SchemaVersion), q(systables.AttributeHub), q(systables.CustomAttribute),
		q(systables.AttributeHub+"_dbid_seq"), q(systables.CustomAttribute+"_dbid_seq"), reader, writer, reporting)
}

// canvasPlan returns the statements that give ns Canvas's layout for roles
// r (see the top of this file), only those missing in st. They run after
// every DDL of an install, before the namespace roles' own grants, with the
// Manager's user acting as the SDK role (actAsSDKRole).
func (m *Manager) canvasPlan(ns string, r canvasRoles, st *canvasState) []stmt {
	if r.sdk == "" {
		return nil
	}
	var have struct{ SDK, Defaults, Reporting bool }
	if len(st.Have) == 1 {
		have.SDK, have.Defaults, have.Reporting = st.Have[0].SDK, st.Have[0].Defaults, st.Have[0].Reporting
	}
	var stmts []string
	if !have.SDK {
		// CREATE on the schema first: a new owner must hold it.
		stmts = append(stmts, systables.SDKGrants(ns, r.sdk)...)
	}
	// The custom tables this user made (Go's model DDL) go to the SDK
	// role, as if the Python runner had made them. The system tables stay
	// with the platform user, as in Canvas.
	for _, t := range st.Mine {
		stmts = append(stmts, "ALTER TABLE "+sqlident.Quote(ns, t.Relname)+" OWNER TO "+sqlident.Quote(r.sdk))
	}
	if !have.Defaults {
		stmts = append(stmts, m.sdkDefaultPrivileges(ns, r.sdk)...)
	}
	if r.reporting != "" && !have.Reporting {
		stmts = append(stmts, systables.ReportingGrants(ns, r.sdk, r.reporting)...)
	}
	out := make([]stmt, len(stmts))
	for i, s := range stmts {
		out[i] = stmt{sql: s, what: fmt.Sprintf("give namespace %q Canvas's layout", ns)}
	}
	return out
}

// sdkDefaultPrivileges returns the statements by which every table the SDK
// role creates in ns later (a Python plugin's model) is readable by the
// namespace's reader and writable by its writer, as grant makes them for
// the tables that exist. They name this namespace's roles and schema only.
func (m *Manager) sdkDefaultPrivileges(ns, sdk string) []string {
	reader, writer := m.roleNames(ns)
	head := "ALTER DEFAULT PRIVILEGES FOR ROLE " + sqlident.Quote(sdk) + " IN SCHEMA " + sqlident.Quote(ns)
	return []string{
		head + " GRANT SELECT ON TABLES TO " + sqlident.Quote(reader),
		head + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + sqlident.Quote(writer),
		head + " GRANT USAGE, SELECT ON SEQUENCES TO " + sqlident.Quote(writer),
	}
}

// systemTables are the namespace's four system tables.
var systemTables = []string{systables.NamespaceAuth, systables.AttributeHub, systables.CustomAttribute, systables.SchemaVersion}

// readyChannel is the NOTIFY channel on which Canvas's plugin runner waits
// for ns to be ready: ns_ready_<namespace>, or, when that is longer than
// PostgreSQL's 63-byte identifiers, ns_ready_ and the first 16 hex digits
// of the namespace's SHA-256.
func readyChannel(ns string) string {
	const prefix = "ns_ready_"
	if len(prefix)+len(ns) <= 63 {
		return prefix + ns
	}
	sum := sha256.Sum256([]byte(ns))
	return prefix + hex.EncodeToString(sum[:])[:16]
}

// markReady records that plugin's models (digest) are in place in ns and
// signals it as Canvas's runner does: a schema_version row, and a NOTIFY
// on readyChannel(ns) with payload "<plugin>:<digest>", sent when the
// install commits.
func markReady(tx *gorm.DB, ns, plugin, digest string) error {
	return execGorm(tx, markReadyStmts(ns, plugin, digest))
}

// markReadyStmts are markReady's statements.
func markReadyStmts(ns, plugin, digest string) []stmt {
	sv := sqlident.Quote(ns, systables.SchemaVersion)
	what := fmt.Sprintf("record models of plugin %q", plugin)
	return []stmt{
		{sql: "INSERT INTO " + sv + " (plugin_name, models_hash, completed_at) VALUES ($1, $2, now()) " +
			"ON CONFLICT (plugin_name) DO UPDATE SET models_hash = excluded.models_hash, completed_at = excluded.completed_at",
			args: []any{plugin, digest}, what: what},
		{sql: "SELECT pg_notify($1, $2)", args: []any{readyChannel(ns), plugin + ":" + digest}, what: what},
	}
}
