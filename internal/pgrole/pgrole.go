// Package pgrole names the PostgreSQL login roles that back namespace handles.
//
// Roles belong to the whole server while a namespace (a schema) lives in one
// database, so a role name carries the database's OID: two databases on one
// server (parallel tests, staging beside production) never share a role. The
// namespace itself enters as a digest, which keeps names within PostgreSQL's
// 63-byte limit whatever the namespace's length.
package pgrole

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Prefix is what every role made by this module starts with.
const Prefix = "customdata_"

// Pattern is a POSIX regular expression (PostgreSQL's ~) that matches
// exactly the names Name makes, after Prefix: a human-made role such as
// customdata_2024_ro does not match.
const Pattern = "[0-9]+_[0-9a-f]{16}_(r|rw)$"

// DatabasePrefix is the prefix of every role made for namespaces in the
// database with this OID; dropping that database should drop those roles.
func DatabasePrefix(dbOID uint32) string {
	return fmt.Sprintf("%s%d_", Prefix, dbOID)
}

// Name is the login role of namespace at access level ("read" or
// "read_write") in the database with this OID.
func Name(dbOID uint32, namespace, access string) string {
	sum := sha256.Sum256([]byte(namespace))
	suffix := "r"
	if access == "read_write" {
		suffix = "rw"
	}
	return DatabasePrefix(dbOID) + hex.EncodeToString(sum[:8]) + "_" + suffix
}
