// Package systables holds the DDL of a namespace's four system tables,
// column for column as Canvas creates them, so that a Go plugin and a Python
// plugin can share one namespace.
//
// Two deliberate differences, neither visible to the Python SDK:
//   - custom_attribute.int_value is bigint (Canvas: integer). Widening keeps
//     the Python SDK working on our namespaces, and a Canvas-made namespace
//     still refuses out-of-range values in PostgreSQL (SQLSTATE 22003), so
//     nothing is lost silently either way.
//   - the partial index on text_value is a hash index, not a btree: a btree
//     entry holds at most about 2,700 bytes, which would make PostgreSQL
//     refuse text values long before the 1,048,576-character limit. A hash
//     index serves the equality lookups (attribute value = x) at any length.
//     It carries Canvas's name, custom_attribute_text_idx, so Canvas's own
//     setup (CREATE INDEX IF NOT EXISTS by name) skips its btree.
//
// Every index has Canvas's name, so that Canvas's setup, re-run when a
// Python plugin joins, finds them all and adds none of its own.
package systables

import "github.com/canvas-sdk-go/customdata/internal/sqlident"

// Table names of the system tables.
const (
	NamespaceAuth   = "namespace_auth"
	AttributeHub    = "attribute_hub"
	CustomAttribute = "custom_attribute"
	SchemaVersion   = "schema_version"
)

// Private lists the system tables that plugin roles may never read: the key
// digests and the install bookkeeping.
var Private = []string{NamespaceAuth, SchemaVersion}

// DDL returns the statements that create the system tables inside schema
// (which must already exist). Every statement is idempotent.
func DDL(schema string) []string {
	q := func(table string) string { return sqlident.Quote(schema, table) }
	ca := q(CustomAttribute)
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + q(NamespaceAuth) + ` (
    id serial PRIMARY KEY,
    key_hash varchar(64) NOT NULL UNIQUE,
    access_level varchar(10) NOT NULL CHECK (access_level IN ('read', 'read_write')),
    created_at timestamptz DEFAULT now(),
    description text
)`,
		`CREATE TABLE IF NOT EXISTS ` + q(AttributeHub) + ` (
    dbid bigserial PRIMARY KEY,
    type varchar(100) NOT NULL,
    id varchar(100) NOT NULL,
    UNIQUE (type, id)
)`,
		`CREATE TABLE IF NOT EXISTS ` + ca + ` (
    dbid bigserial,
    hub_id bigint NOT NULL REFERENCES ` + q(AttributeHub) + ` (dbid),
    name text NOT NULL,
    text_value text,
    date_value date,
    timestamp_value timestamptz,
    int_value bigint,
    decimal_value numeric(20,10),
    bool_value boolean,
    json_value jsonb,
    PRIMARY KEY (hub_id, name)
)`,
	}
	stmts = append(stmts, IndexDDL(schema)...)
	stmts = append(stmts,
		`CREATE TABLE IF NOT EXISTS `+q(SchemaVersion)+` (
    plugin_name varchar(255) NOT NULL UNIQUE,
    models_hash varchar(64),
    completed_at timestamptz DEFAULT now()
)`)
	return stmts
}

// Index names of custom_attribute, as Canvas names them.
const (
	IndexDBID      = "custom_attribute_dbid_idx"
	IndexText      = "custom_attribute_text_idx"
	IndexDate      = "custom_attribute_date_idx"
	IndexTimestamp = "custom_attribute_timestamp_idx"
	IndexInt       = "custom_attribute_int_idx"
	IndexDecimal   = "custom_attribute_decimal_idx"
	IndexBool      = "custom_attribute_bool_idx"
	IndexJSON      = "custom_attribute_json_idx"
)

// IndexDDL returns the statements that create custom_attribute's indexes
// under Canvas's names, each IF NOT EXISTS by name: a btree on dbid, a
// partial index per value column (WHERE <column> IS NOT NULL): hash on
// text_value, btree on the date, timestamp, int, decimal and bool columns,
// GIN on json_value.
func IndexDDL(schema string) []string {
	ca := sqlident.Quote(schema, CustomAttribute)
	stmts := []string{
		`CREATE INDEX IF NOT EXISTS ` + sqlident.Quote(IndexDBID) + ` ON ` + ca + ` (dbid)`,
		`CREATE INDEX IF NOT EXISTS ` + sqlident.Quote(IndexText) + ` ON ` + ca + ` USING hash (text_value) WHERE text_value IS NOT NULL`,
	}
	for _, ix := range []struct{ name, col string }{
		{IndexDate, "date_value"}, {IndexTimestamp, "timestamp_value"}, {IndexInt, "int_value"},
		{IndexDecimal, "decimal_value"}, {IndexBool, "bool_value"},
	} {
		stmts = append(stmts, `CREATE INDEX IF NOT EXISTS `+sqlident.Quote(ix.name)+` ON `+ca+
			` (`+sqlident.Quote(ix.col)+`) WHERE `+sqlident.Quote(ix.col)+` IS NOT NULL`)
	}
	return append(stmts, `CREATE INDEX IF NOT EXISTS `+sqlident.Quote(IndexJSON)+` ON `+ca+` USING gin (json_value) WHERE json_value IS NOT NULL`)
}

// LegacyIndexes are the names earlier versions of this SDK gave
// custom_attribute's indexes. A namespace that still has any of them gets
// the indexes of IndexDDL and loses these (UpgradeDDL), so that no index
// exists twice once Canvas's setup runs on it.
var LegacyIndexes = []string{
	"custom_attribute_text_value_idx",
	"custom_attribute_date_value_idx",
	"custom_attribute_timestamp_value_idx",
	"custom_attribute_int_value_idx",
	"custom_attribute_decimal_value_idx",
	"custom_attribute_bool_value_idx",
	"custom_attribute_json_value_gin",
}

// UpgradeDDL returns the statements that move a namespace made by an
// earlier version of this SDK to Canvas's index names: the indexes of
// IndexDDL, then DROP INDEX IF EXISTS of every legacy one.
func UpgradeDDL(schema string) []string {
	stmts := IndexDDL(schema)
	for _, n := range LegacyIndexes {
		stmts = append(stmts, `DROP INDEX IF EXISTS `+sqlident.Quote(schema, n))
	}
	return stmts
}

// SDKGrants returns the grants Canvas's setup gives role, the shared role
// the Python plugin runner runs every plugin's queries and model DDL as
// (Canvas's canvas_sdk_read_only): USAGE and CREATE on the schema, SELECT
// on namespace_auth and schema_version, SELECT/INSERT/UPDATE/DELETE on
// attribute_hub and custom_attribute and USAGE on their sequences.
func SDKGrants(schema, role string) []string {
	q := func(table string) string { return sqlident.Quote(schema, table) }
	r := sqlident.Quote(role)
	return []string{
		"GRANT USAGE, CREATE ON SCHEMA " + sqlident.Quote(schema) + " TO " + r,
		"GRANT SELECT ON " + q(NamespaceAuth) + " TO " + r,
		"GRANT USAGE ON SEQUENCE " + q(AttributeHub+"_dbid_seq") + " TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON " + q(AttributeHub) + " TO " + r,
		"GRANT USAGE ON SEQUENCE " + q(CustomAttribute+"_dbid_seq") + " TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON " + q(CustomAttribute) + " TO " + r,
		"GRANT SELECT ON " + q(SchemaVersion) + " TO " + r,
	}
}

// ReportingGrants returns the grants Canvas's setup gives reporting (the
// role customers' read replicas use), where that role exists: USAGE on the
// schema, SELECT on every table in it, and SELECT on the tables sdkRole
// creates there later.
func ReportingGrants(schema, sdkRole, reporting string) []string {
	qs, rep := sqlident.Quote(schema), sqlident.Quote(reporting)
	return []string{
		"GRANT USAGE ON SCHEMA " + qs + " TO " + rep,
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + qs + " TO " + rep,
		"ALTER DEFAULT PRIVILEGES FOR ROLE " + sqlident.Quote(sdkRole) + " IN SCHEMA " + qs + " GRANT SELECT ON TABLES TO " + rep,
	}
}
