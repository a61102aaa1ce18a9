// Package pgcluster starts a throwaway PostgreSQL cluster from the
// PostgreSQL binaries installed on the machine, for tests.
//
// Start runs initdb into a fresh directory under os.TempDir(), then the
// postgres server on a unix socket in that directory (no TCP port, so
// clusters never collide), with trust authentication and a superuser named
// postgres. Durability is switched off (fsync, full_page_writes,
// synchronous_commit) because the data is thrown away. Stop shuts the server
// down and removes the directory.
//
// When the process runs as root, initdb and postgres run as the "postgres"
// OS user (PostgreSQL refuses to run as root); the directory is handed to
// that user.
//
// Nothing is left running when a test process dies: on Linux the server is
// started with a parent-death signal from a thread that lives as long as the
// process, so the kernel stops it when the process ends, however it ends.
// Each cluster directory also records its owner process, and Start removes
// the directories (and stops the servers) of owners that are gone.
//
// initdb runs once per set of binaries and OS user: its output is kept in
// os.TempDir()/customdata-pginit-<key> (about 40 MB, owner-only) and later
// clusters start from a copy of it, which is cheaper than initdb.
//
// Binaries are looked up in Options.BinDir, then next to pg_ctl/initdb on
// PATH, then in the newest /usr/lib/postgresql/<version>/bin (Debian and
// Ubuntu) and the other usual places.
package pgcluster
