package customdatatest

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// NoEphemeralEnv is the environment variable that, set to 1, skips the
// throwaway cluster (step 2 of the resolution in the package doc).
const NoEphemeralEnv = testdb.NoEphemeralEnv

// Config shapes the databases that NewWithConfig makes. The zero value gives
// empty databases.
type Config struct {
	// TemplateVersion names the content TemplateInit puts in the template.
	// Databases made with the same version are copies of one template;
	// change the version whenever TemplateInit changes.
	TemplateVersion string
	// TemplateInit, if set, runs once per server on the template database,
	// for example to create tables or seed data every test needs.
	TemplateInit func(ctx context.Context, db *gorm.DB) error
}

// Database is one test's database.
type Database struct {
	// Name is the database's name.
	Name string
	// DSN reaches the database as the server's admin user, for psql or a
	// connection of your own.
	DSN string
	// DB is an open admin connection pool on the database. It is closed
	// when the test ends.
	DB *gorm.DB

	td *testdb.Database
}

// New returns a fresh, empty database for t, dropped when t passes. It fails
// t (t.Fatal) when no server can be found; the message says how to get one.
func New(t testing.TB) *Database {
	t.Helper()
	return wrap(testdb.New(t))
}

// NewWithConfig is New with the database copied from cfg's template.
func NewWithConfig(t testing.TB, cfg Config) *Database {
	t.Helper()
	return wrap(testdb.NewWithConfig(t, cfg.internal()))
}

// Create makes a fresh database outside of a test (an example or a tool).
// The caller drops it with Drop.
func Create(ctx context.Context, cfg Config) (*Database, error) {
	d, err := testdb.Create(ctx, cfg.internal())
	if err != nil {
		return nil, err
	}
	return wrap(d), nil
}

// Drop closes d's pool and drops the database, with the roles made for its
// namespaces. New and NewWithConfig do this by themselves.
func (d *Database) Drop(ctx context.Context) error { return d.td.Drop(ctx) }

// Main runs the tests of m, stops the throwaway cluster if the process
// started one, and exits with the tests' code. Call it from TestMain:
//
//	func TestMain(m *testing.M) { customdatatest.Main(m) }
//
// A package with a TestMain of its own calls Shutdown after m.Run instead.
func Main(m *testing.M) { testdb.Main(m) }

// Shutdown stops the throwaway cluster if this process started one. Main
// calls it; New fails after it.
func Shutdown() error { return testdb.Shutdown() }

// DropKept removes what failed tests left on the server: the databases they
// kept for inspection (named customdata_t_*) that this process is not using,
// and the login roles made for namespaces of databases that no longer exist.
// It returns the names it dropped. Run it when no other test process uses the
// server (their databases are named the same way), for example from a test
// of its own:
//
//	func TestDropLeftovers(t *testing.T) {
//		if os.Getenv("DROP_LEFTOVERS") == "" {
//			t.Skip("set DROP_LEFTOVERS=1")
//		}
//		dropped, err := customdatatest.DropKept(context.Background())
//		require.NoError(t, err)
//		t.Log(dropped)
//	}
//
// A test that passes leaves nothing: its database and roles are dropped
// when it ends.
func DropKept(ctx context.Context) ([]string, error) { return testdb.DropKept(ctx) }

// ServerDSN finds the server (see the package doc) and returns an admin DSN
// for it and a few words on where it came from, for logs.
func ServerDSN(ctx context.Context) (dsn, source string, err error) {
	return testdb.ServerDSN(ctx)
}

func (c Config) internal() testdb.Config {
	return testdb.Config{TemplateVersion: c.TemplateVersion, TemplateInit: c.TemplateInit}
}

func wrap(d *testdb.Database) *Database {
	return &Database{Name: d.Name, DSN: d.DSN, DB: d.DB, td: d}
}
