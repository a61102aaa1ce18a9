// Package customdatatest gives the tests of a Canvas plugin written with
// customdata a fresh PostgreSQL database each, on a real server.
//
//	func TestMain(m *testing.M) { customdatatest.Main(m) }
//
//	func TestNoteTags(t *testing.T) {
//		t.Parallel()
//		db := customdatatest.New(t) // db.DB is an admin *gorm.DB on a new database
//		...
//	}
//
// # Testing a plugin
//
// Install and InstallManifest go one step further: a fresh database with the
// platform fixture's SDK tables (package sdkmodel), the plugin installed as
// the platform installs it (its namespace, tables, roles and keys), and the
// handle its code would get:
//
//	p := customdatatest.InstallManifest(t, "testdata/hello_custom_data", &NoteTag{}, &CustomNote{})
//	note, _ := sdkmodel.SeedNote(ctx, p.Manager.DB(), sdkmodel.Note{PatientID: &patient.DBID})
//	tag, created, err := tagNote(ctx, p.Handle, note.DBID) // the plugin code under test
//
// A read plugin's namespace is first created by a stand-in read_write
// plugin; p.ReadWrite seeds the data it reads.
//
// # Where the server comes from
//
// The server is found once per test process by package pgdiscover (which
// the examples and the customdata CLI use too), in this order:
//
//  1. DATABASE_URL, if set: a postgres:// URL (or key=value DSN) of a server
//     whose user may CREATE DATABASE and CREATE ROLE. If it is set but does
//     not answer, that is an error; the next steps are not tried.
//  2. A throwaway cluster started from the PostgreSQL binaries installed on
//     the machine (initdb and postgres, found on PATH or in
//     /usr/lib/postgresql/<version>/bin and the other usual places). It
//     listens only on a unix socket in a temporary directory, runs with fsync
//     off, and, when the tests run as root, runs as the "postgres" OS user.
//     Main stops it and removes its directory when the tests end. Without
//     Main, or if the process dies first, the server goes down with the
//     process (on Linux) and a small watcher process removes the directory
//     (about 60 MB) right after. Set CUSTOMDATA_TEST_NO_EPHEMERAL=1 to skip
//     this step.
//  3. A server on localhost:5432 that trusts the user postgres.
//  4. Otherwise the tests fail with a message that lists these three ways.
//
// On Debian or Ubuntu, apt-get install -y postgresql is all step 2 needs.
// To use a server you already run, for example in CI:
//
//	DATABASE_URL='postgres://postgres:secret@db.example:5432/postgres?sslmode=disable' go test ./...
//
// With Docker, the separate module
// github.com/canvas-sdk-go/customdata/customdatatest/testcontainers starts a
// postgres container and points DATABASE_URL at it.
//
// # Template cloning
//
// Each database is a copy (CREATE DATABASE ... TEMPLATE) of a template
// database built once per server: NewWithConfig's TemplateInit runs once on
// the template, and every database made with the same TemplateVersion starts
// from its content. Copying a template is much cheaper than running
// migrations or seeding in every test. Templates are shared between test
// processes and kept on the server; change TemplateVersion whenever
// TemplateInit changes.
//
// # Parallel tests
//
// Every call makes its own database, so tests that call New may run with
// t.Parallel(). Many packages tested at once (go test ./...) each start
// their own cluster in step 2, or share the server of steps 1 and 3.
//
// # Failed tests, and clearing what they leave
//
// A database is dropped when its test passes, with the login roles made for
// its namespaces (two per namespace: roles belong to the whole server, not to
// one database). When a test fails the database is kept and its DSN is
// logged, to be opened with psql. On the throwaway cluster of step 2 it lasts
// only until the test process ends: set DATABASE_URL to keep it longer.
//
// On a server of your own (DATABASE_URL), the kept databases and their roles
// stay until you remove them. DropKept removes them all (run it when no
// other test process uses the server); by hand, in psql:
//
//	DROP DATABASE customdata_t_0123456789abcdef WITH (FORCE);  -- the logged name
//	SELECT format('DROP ROLE %I', rolname) FROM pg_roles r
//	WHERE rolname ~ '^customdata_[0-9]+_[0-9a-f]{16}_(r|rw)$'
//	  AND NOT EXISTS (SELECT 1 FROM pg_database d
//	                  WHERE starts_with(r.rolname, 'customdata_' || d.oid || '_'))
//	\gexec
//
// The second statement drops the roles of databases that no longer exist.
// Templates (customdata_tpl_*) are kept on purpose: they make the next run
// fast.
package customdatatest
