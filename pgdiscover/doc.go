// Package pgdiscover finds a PostgreSQL server to work with, the same way
// for the customdata CLI, the examples and the test kit (customdatatest):
//
//  1. DATABASE_URL, if set: a postgres:// URL or a key=value DSN. If it is
//     set but cannot be parsed or does not answer, that is an error; the
//     next steps are not tried.
//  2. A throwaway cluster started from the PostgreSQL binaries installed on
//     the machine (initdb and postgres on PATH, or in
//     /usr/lib/postgresql/<version>/bin and the other usual places): a
//     temporary directory, a unix socket, fsync off; as the "postgres" OS
//     user when run as root. Server.Close stops it and removes its
//     directory. Setting CUSTOMDATA_TEST_NO_EPHEMERAL to anything but "" or
//     "0" skips this step.
//  3. A server on localhost:5432 that trusts the user postgres.
//  4. Otherwise an error that lists these three ways.
//
// Servers older than PostgreSQL 13 are refused with an error that says so.
package pgdiscover
