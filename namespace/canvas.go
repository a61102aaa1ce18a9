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
	var found []string
	err := tx.Raw("SELECT rolname FROM pg_roles WHERE rolname IN ($1, $2)", m.cfg.SDKRole, m.cfg.ReportingRole).Scan(&found).Error
	if err != nil {
		return canvasRoles{}, fmt.Errorf("customdata: look up roles %q and %q: %w", m.cfg.SDKRole, m.cfg.ReportingRole, err)
	}
	var r canvasRoles
	for _, f := range found {
		switch f {
		case m.cfg.SDKRole:
			r.sdk = f
		case m.cfg.ReportingRole:
			r.reporting = f
		}
	}
	return r, nil
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
		return fmt.Errorf("customdata: the platform user is a member of role %q but does not inherit its privileges (NOINHERIT): make it inherit", sdk)
	}
	return nil
}

// canvasLayout gives ns Canvas's layout for roles r (see the top of this
// file). It runs inside grant, after every DDL of an install, before the
// namespace roles' own grants.
func (m *Manager) canvasLayout(tx *gorm.DB, ns string, r canvasRoles) error {
	if r.sdk == "" {
		return nil
	}
	if err := actAsSDKRole(tx, r.sdk); err != nil {
		return err
	}
	// The custom tables this user made (Go's model DDL) go to the SDK
	// role, as if the Python runner had made them. The system tables stay
	// with the platform user, as in Canvas.
	var mine []string
	if err := tx.Raw(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND NOT (c.relname = ANY($2)) ORDER BY c.relname`, ns, systemTables).Scan(&mine).Error; err != nil {
		return fmt.Errorf("customdata: list tables of namespace %q: %w", ns, err)
	}
	// Only what is missing (see locks.go): a re-install runs nothing here.
	reader, writer := m.roleNames(ns)
	var have struct {
		SDK       bool
		Defaults  bool
		Reporting bool
	}
	q := func(t string) string { return sqlident.Quote(ns, t) }
	if err := tx.Raw(`SELECT
  has_schema_privilege($1, $2, 'USAGE') AND has_schema_privilege($1, $2, 'CREATE')
  AND has_table_privilege($1, $3, 'SELECT') AND has_table_privilege($1, $4, 'SELECT')
  AND has_table_privilege($1, $5, 'SELECT') AND has_table_privilege($1, $5, 'INSERT') AND has_table_privilege($1, $5, 'UPDATE') AND has_table_privilege($1, $5, 'DELETE')
  AND has_table_privilege($1, $6, 'SELECT') AND has_table_privilege($1, $6, 'INSERT') AND has_table_privilege($1, $6, 'UPDATE') AND has_table_privilege($1, $6, 'DELETE')
  AND has_sequence_privilege($1, $7, 'USAGE') AND has_sequence_privilege($1, $8, 'USAGE') AS sdk,
  (SELECT count(*) FROM pg_default_acl d, aclexplode(d.defaclacl) a
   WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = $1) AND d.defaclnamespace = $2::regnamespace
     AND ((d.defaclobjtype = 'r' AND a.grantee = $9::regrole AND a.privilege_type = 'SELECT')
       OR (d.defaclobjtype = 'r' AND a.grantee = $10::regrole AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE'))
       OR (d.defaclobjtype = 'S' AND a.grantee = $10::regrole AND a.privilege_type IN ('USAGE', 'SELECT')))) = 7 AS defaults`,
		r.sdk, ns, q(systables.NamespaceAuth), q(systables.SchemaVersion), q(systables.AttributeHub), q(systables.CustomAttribute),
		q(systables.AttributeHub+"_dbid_seq"), q(systables.CustomAttribute+"_dbid_seq"), reader, writer).Scan(&have).Error; err != nil {
		return fmt.Errorf("customdata: look up the grants of namespace %q to role %q: %w", ns, r.sdk, err)
	}
	if r.reporting != "" {
		if err := tx.Raw(`SELECT has_schema_privilege($1, $2, 'USAGE')
    AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = $2::regnamespace AND c.relkind IN ('r', 'p') AND NOT has_table_privilege($1, c.oid, 'SELECT'))
    AND EXISTS (SELECT 1 FROM pg_default_acl d, aclexplode(d.defaclacl) a
      WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = $3) AND d.defaclnamespace = $2::regnamespace
        AND d.defaclobjtype = 'r' AND a.grantee = $1::regrole AND a.privilege_type = 'SELECT')`, r.reporting, ns, r.sdk).Scan(&have.Reporting).Error; err != nil {
			return fmt.Errorf("customdata: look up the grants of namespace %q to role %q: %w", ns, r.reporting, err)
		}
	}
	var stmts []string
	if !have.SDK {
		// CREATE on the schema first: a new owner must hold it.
		stmts = append(stmts, systables.SDKGrants(ns, r.sdk)...)
	}
	for _, t := range mine {
		stmts = append(stmts, "ALTER TABLE "+sqlident.Quote(ns, t)+" OWNER TO "+sqlident.Quote(r.sdk))
	}
	if !have.Defaults {
		stmts = append(stmts, m.sdkDefaultPrivileges(ns, r.sdk)...)
	}
	if r.reporting != "" && !have.Reporting {
		stmts = append(stmts, systables.ReportingGrants(ns, r.sdk, r.reporting)...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("customdata: give namespace %q Canvas's layout: %w", ns, err)
		}
	}
	return nil
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
	sv := sqlident.Quote(ns, systables.SchemaVersion)
	err := tx.Exec("INSERT INTO "+sv+" (plugin_name, models_hash, completed_at) VALUES ($1, $2, now()) "+
		"ON CONFLICT (plugin_name) DO UPDATE SET models_hash = excluded.models_hash, completed_at = excluded.completed_at", plugin, digest).Error
	if err == nil {
		err = tx.Exec("SELECT pg_notify($1, $2)", readyChannel(ns), plugin+":"+digest).Error
	}
	if err != nil {
		return fmt.Errorf("customdata: record models of plugin %q: %w", plugin, err)
	}
	return nil
}
