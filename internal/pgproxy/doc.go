// Package pgproxy is a TCP proxy in front of a PostgreSQL server, for tests
// that must see or disturb what goes over the wire: count what a client
// sends, lose the server's answer after a statement ran, or end a session
// just after a COMMIT. It reaches the server by TCP or by the Unix socket a
// throwaway cluster's DSN names, and hands out a DSN that points at it.
package pgproxy
