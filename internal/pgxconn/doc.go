// Package pgxconn reaches the *pgx.Conn under a namespace-scoped *gorm.DB.
//
// A handle's *gorm.DB runs on a database/sql pool of pgx connections. The
// SDK's hot paths (custommodel.GetOrCreate, the attribute hub's reads and
// writes) run the same statements on every call; going through GORM's
// Raw/Scan and database/sql costs more client time than the statement's
// round trip. With runs such a call on the pgx connection itself, taken from
// the same pool (the same roles, limits, session guard and statement
// cache), so it sends a prepared statement and scans straight into Go
// values.
//
// With is for outside a transaction only: a *gorm.DB that holds a
// transaction (or any other connection pool) reports that it cannot be
// used, and the caller takes its general GORM path.
package pgxconn
