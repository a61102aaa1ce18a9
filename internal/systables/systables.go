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
	stmts = append(stmts, `CREATE INDEX IF NOT EXISTS `+sqlident.Quote(CustomAttribute+"_text_value_idx")+
		` ON `+ca+` USING hash (text_value) WHERE text_value IS NOT NULL`)
	for _, col := range []string{"date_value", "timestamp_value", "int_value", "decimal_value", "bool_value"} {
		stmts = append(stmts, `CREATE INDEX IF NOT EXISTS `+sqlident.Quote(CustomAttribute+"_"+col+"_idx")+
			` ON `+ca+` (`+sqlident.Quote(col)+`) WHERE `+sqlident.Quote(col)+` IS NOT NULL`)
	}
	stmts = append(stmts,
		`CREATE INDEX IF NOT EXISTS `+sqlident.Quote(CustomAttribute+"_json_value_gin")+` ON `+ca+` USING gin (json_value)`,
		`CREATE TABLE IF NOT EXISTS `+q(SchemaVersion)+` (
    plugin_name varchar(255) NOT NULL UNIQUE,
    models_hash varchar(64),
    completed_at timestamptz DEFAULT now()
)`)
	return stmts
}
