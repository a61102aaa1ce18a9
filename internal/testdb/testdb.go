// Package testdb gives each test a fresh PostgreSQL database.
//
// The server is found once per process, in this order (DESIGN.md §6):
//  1. DATABASE_URL, if set (a server that does not answer is an error, not
//     a reason to look further);
//  2. an ephemeral cluster started from the local PostgreSQL binaries
//     (package pgcluster), one per test process, stopped by Main at the end;
//     skipped when CUSTOMDATA_TEST_NO_EPHEMERAL=1 (see NoEphemeralEnv);
//  3. a server already listening on localhost:5432;
//  4. otherwise an error that says how to provide one.
//
// Each test then gets its own database, cloned from a template that is built
// once (CREATE DATABASE ... TEMPLATE), so tests can run with t.Parallel().
// A database is dropped when its test passes and kept, with its URL logged,
// when it fails (on an ephemeral cluster only until the process ends).
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// Config is how a caller shapes its databases. The zero value gives empty
// databases.
type Config struct {
	// TemplateVersion names the content of the template: databases made with
	// the same version share one template. Change it whenever TemplateInit
	// changes.
	TemplateVersion string
	// TemplateInit, if set, runs once on the template database.
	TemplateInit func(ctx context.Context, db *gorm.DB) error
}

// Database is one test's database.
type Database struct {
	// Name is the database's name.
	Name string
	// DSN reaches the database as the server's admin user.
	DSN string
	// OID is the database's pg_database.oid.
	OID uint32
	// DB is an open admin connection pool on the database.
	DB *gorm.DB
}

// New returns a fresh, empty database for t.
func New(t testing.TB) *Database {
	t.Helper()
	return NewWithConfig(t, Config{})
}

// Fixture is the Config of databases that hold the platform's tables
// (package sdkmodel's CreateFixtureTables, all of them in schema public),
// built once into a template so that each database costs a clone.
var Fixture = Config{TemplateVersion: sdkmodel.FixtureVersion(), TemplateInit: sdkmodel.CreateFixtureTables}

// NewFixture returns a fresh database for t that holds the platform's
// tables (see Fixture).
func NewFixture(t testing.TB) *Database {
	t.Helper()
	return NewWithConfig(t, Fixture)
}

// NewWithConfig returns a fresh database for t built from cfg's template.
func NewWithConfig(t testing.TB, cfg Config) *Database {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Create(ctx, cfg)
	if err != nil {
		t.Fatalf("customdata test database: %v", err)
	}
	t.Cleanup(func() {
		t.Helper()
		if t.Failed() {
			srv, err := server(context.Background())
			t.Logf("%s", keptMessage(d.DSN, err == nil && srv.ephemeral))
			if sqlDB, err := d.DB.DB(); err == nil {
				_ = sqlDB.Close()
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := d.Drop(ctx); err != nil {
			t.Errorf("customdata: drop test database: %v", err)
		}
	})
	return d
}

// keptMessage is what a failed test logs about its kept database: dsn with
// any password hidden (it can only be DATABASE_URL's), and how long the
// database stays.
func keptMessage(dsn string, ephemeral bool) string {
	shown := redact(dsn)
	if shown != dsn {
		shown += " (password hidden: use the one in DATABASE_URL)"
	}
	if ephemeral {
		return "customdata: test failed; database kept until this test process ends " +
			"(it lives in a throwaway cluster; set DATABASE_URL to keep it longer): " + shown
	}
	return "customdata: test failed; database kept for inspection: " + shown
}

// Create makes a fresh database outside of any test (examples use it). The
// caller drops it with Drop.
func Create(ctx context.Context, cfg Config) (_ *Database, err error) {
	srv, err := server(ctx)
	if err != nil {
		return nil, err
	}
	tpl, err := srv.template(ctx, cfg)
	if err != nil {
		return nil, err
	}
	name := "customdata_t_" + randomHex(8)
	if _, err := srv.admin.ExecContext(ctx, "CREATE DATABASE "+sqlident.Quote(name)+" TEMPLATE "+sqlident.Quote(tpl)); err != nil {
		return nil, fmt.Errorf("create database %s from template %s: %w", name, tpl, err)
	}
	defer func() {
		if err != nil { // do not leave the new database behind
			_, _ = srv.admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+sqlident.Quote(name)+" WITH (FORCE)")
		}
	}()
	var oid uint32
	if err := srv.admin.QueryRowContext(ctx, "SELECT oid FROM pg_database WHERE datname = $1", name).Scan(&oid); err != nil {
		return nil, fmt.Errorf("look up database %s: %w", name, err)
	}
	dsn, err := WithDatabase(srv.dsn, name)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", name, err)
	}
	return &Database{Name: name, DSN: dsn, OID: oid, DB: db}, nil
}

// openDatabase opens Create's pool on a new database; a variable so tests
// can make it fail.
var openDatabase = func(dsn string) (*gorm.DB, error) {
	return gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
}

// Drop closes d's pool, drops the database and every role made for its
// namespaces.
func (d *Database) Drop(ctx context.Context) error {
	if sqlDB, err := d.DB.DB(); err == nil {
		_ = sqlDB.Close()
	}
	srv, err := server(ctx)
	if err != nil {
		return err
	}
	if _, err := srv.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+sqlident.Quote(d.Name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", d.Name, err)
	}
	return DropRoles(ctx, srv.admin, d.OID)
}

// DropRoles drops the namespace roles made in the (already dropped) database
// with this OID.
func DropRoles(ctx context.Context, admin *sql.DB, dbOID uint32) error {
	rows, err := admin.QueryContext(ctx, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", pgrole.DatabasePrefix(dbOID))
	if err != nil {
		return fmt.Errorf("list roles: %w", err)
	}
	var roles []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return err
		}
		roles = append(roles, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+sqlident.Quote(r)); err != nil {
			return fmt.Errorf("drop role %s: %w", r, err)
		}
	}
	return nil
}

// ServerDSN resolves the server (see the package doc) and returns an admin DSN
// for its maintenance database, with a line that says where it came from.
func ServerDSN(ctx context.Context) (dsn, source string, err error) {
	srv, err := server(ctx)
	if err != nil {
		return "", "", err
	}
	return srv.dsn, srv.source, nil
}

// WithDatabase returns dsn (a URL or a keyword/value string) pointed at the
// database name.
func WithDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse database URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return strings.TrimSpace(dsn) + " dbname=" + sqlident.Literal(name), nil
}

type resolved struct {
	dsn    string
	source string
	admin  *sql.DB
	// ephemeral is set when the server is this process's own cluster.
	ephemeral bool
	// stop stops the server when this process started it; nil otherwise.
	stop func() error

	mu        sync.Mutex
	templates map[string]string
}

var (
	serverMu   sync.Mutex
	serverDone bool
	serverVal  *resolved
	serverErr  error
)

// server resolves the server once per process (see the package doc).
func server(ctx context.Context) (*resolved, error) {
	serverMu.Lock()
	defer serverMu.Unlock()
	if !serverDone {
		serverVal, serverErr = resolve(ctx, defaultResolver())
		serverDone = true
	}
	return serverVal, serverErr
}

// localDSN is the conventional local server: trust auth on 127.0.0.1:5432.
const localDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// resolver holds what resolve depends on, so tests can pin each of them.
type resolver struct {
	// getenv reads the environment.
	getenv func(string) string
	// startEphemeral starts a throwaway cluster and returns its DSN and a
	// function that stops it.
	startEphemeral func(ctx context.Context) (dsn string, stop func() error, err error)
	// localDSN is the server tried last.
	localDSN string
}

func defaultResolver() resolver {
	return resolver{getenv: getenv, startEphemeral: startEphemeral, localDSN: localDSN}
}

func newResolved(dsn, source string, admin *sql.DB) *resolved {
	return &resolved{dsn: dsn, source: source, admin: admin, templates: map[string]string{}}
}

// Sources, as ServerDSN reports them.
const (
	sourceEnv       = "DATABASE_URL"
	sourceEphemeral = "ephemeral cluster from local PostgreSQL binaries"
	sourceLocal     = "server on localhost:5432"
)

func resolve(ctx context.Context, r resolver) (*resolved, error) {
	var tried []string
	if dsn := strings.TrimSpace(r.getenv("DATABASE_URL")); dsn != "" {
		if _, err := pgx.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("DATABASE_URL (%s) cannot be parsed; fix it, or unset it to use a throwaway local cluster: %w", redact(dsn), err)
		}
		db, err := ping(ctx, dsn)
		if errors.Is(err, errServerTooOld) {
			return nil, fmt.Errorf("DATABASE_URL (%s) cannot be used; point it at a newer server, "+
				"or unset DATABASE_URL to use a throwaway local cluster: %w", redact(dsn), err)
		}
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL (%s) is set but connecting to it failed; "+
				"start that server, fix the URL, or unset DATABASE_URL to use a throwaway local cluster: %w", redact(dsn), err)
		}
		return newResolved(dsn, sourceEnv, db), nil
	}
	if v := strings.TrimSpace(r.getenv(NoEphemeralEnv)); v != "" && v != "0" {
		tried = append(tried, "ephemeral cluster: skipped ("+NoEphemeralEnv+" is set)")
	} else {
		dsn, stop, err := r.startEphemeral(ctx)
		if err == nil {
			db, perr := ping(ctx, dsn)
			if perr == nil {
				res := newResolved(dsn, sourceEphemeral, db)
				res.ephemeral, res.stop = true, stop
				return res, nil
			}
			if stop != nil {
				_ = stop()
			}
			err = perr
		}
		tried = append(tried, "ephemeral cluster: "+err.Error())
	}
	db, err := ping(ctx, r.localDSN)
	if err == nil {
		if len(tried) > 0 && !strings.Contains(tried[0], NoEphemeralEnv) {
			// Say once why the preferred source was passed over.
			fmt.Fprintf(os.Stderr, "customdata: using the server on localhost:5432: %s\n", tried[0])
		}
		return newResolved(r.localDSN, sourceLocal, db), nil
	}
	tried = append(tried, "localhost:5432: "+err.Error())
	return nil, fmt.Errorf("no PostgreSQL server found. Provide one of:\n"+
		"  1. DATABASE_URL=postgres://user:pass@host:5432/db (a user that may CREATE DATABASE and CREATE ROLE);\n"+
		"  2. local PostgreSQL binaries (apt-get install -y postgresql) for a throwaway cluster;\n"+
		"  3. a server on localhost:5432 with trust auth for user postgres.\n"+
		"Tried:\n  - %s", strings.Join(tried, "\n  - "))
}

// redact returns dsn with any password hidden, whether or not it parses.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		// pgx also takes the password as a query parameter.
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	dsn = urlPassword.ReplaceAllString(dsn, "${1}xxxxx@")
	return kvPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

var (
	urlPassword = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)
	kvPassword  = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
)

// ping connects to dsn and checks that the server is new enough
// (checkServerVersion).
func ping(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var num int
	if err := db.QueryRowContext(pctx, "SELECT current_setting('server_version_num')::int").Scan(&num); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := checkServerVersion(num); err != nil {
		_ = db.Close()
		return nil, err
	}
	db.SetMaxOpenConns(4)
	return db, nil
}

// minServerVersion is the oldest PostgreSQL the harness works with, as a
// server_version_num: DROP DATABASE ... WITH (FORCE) is new in 13.
const minServerVersion = 130000

// errServerTooOld is wrapped by checkServerVersion's error.
var errServerTooOld = errors.New("PostgreSQL server too old")

// checkServerVersion returns an error naming the minimum version when num,
// a server_version_num, is older than minServerVersion.
func checkServerVersion(num int) error {
	if num >= minServerVersion {
		return nil
	}
	version := fmt.Sprintf("%d.%d", num/10000, num%10000) // 10 and later: 120004 is 12.4
	if num < 100000 {
		version = fmt.Sprintf("%d.%d.%d", num/10000, num/100%100, num%100) // 90603 is 9.6.3
	}
	return fmt.Errorf("%w: it runs %s; customdata's tests need PostgreSQL %d or newer",
		errServerTooOld, version, minServerVersion/10000)
}

// template returns the name of cfg's template database, building it once.
// Templates are content-addressed by cfg.TemplateVersion, built under an
// advisory lock (so concurrent test processes build each one once) and made
// visible by a rename only when complete.
func (s *resolved) template(ctx context.Context, cfg Config) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name, ok := s.templates[cfg.TemplateVersion]; ok {
		return name, nil
	}
	name := templateName(cfg.TemplateVersion)
	sum := sha256.Sum256([]byte(name))
	conn, err := s.admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	lockKey := int64(sum[0])<<24 | int64(sum[1])<<16 | int64(sum[2])<<8 | int64(sum[3])
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", fmt.Errorf("lock template %s: %w", name, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if err := s.buildTemplate(ctx, conn, name, cfg); err != nil {
			return "", err
		}
	}
	s.templates[cfg.TemplateVersion] = name
	return name, nil
}

func (s *resolved) buildTemplate(ctx context.Context, conn *sql.Conn, name string, cfg Config) error {
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+sqlident.Quote(building)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("clear stale template %s: %w", building, err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+sqlident.Quote(building)); err != nil {
		return fmt.Errorf("create template %s: %w", building, err)
	}
	if cfg.TemplateInit != nil {
		dsn, err := WithDatabase(s.dsn, building)
		if err != nil {
			return err
		}
		db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			return fmt.Errorf("open template %s: %w", building, err)
		}
		initErr := cfg.TemplateInit(ctx, db)
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
		if initErr != nil {
			return fmt.Errorf("initialize template %s: %w", building, initErr)
		}
	}
	// IS_TEMPLATE lets any user with CREATEDB clone it, not only its owner
	// or a superuser: test processes may connect as different users.
	for _, q := range []string{
		"ALTER DATABASE " + sqlident.Quote(building) + " IS_TEMPLATE true",
		"ALTER DATABASE " + sqlident.Quote(building) + " RENAME TO " + sqlident.Quote(name),
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("publish template %s: %w", name, err)
		}
	}
	return nil
}

// templateName is the database name of the template of version.
func templateName(version string) string {
	sum := sha256.Sum256([]byte("customdata-template-v2:" + version))
	return "customdata_tpl_" + hex.EncodeToString(sum[:6])
}

// DropTemplate drops cfg's template database, if this server has one. Tests
// that build throwaway templates call it, so templates do not pile up on a
// long-lived server.
func DropTemplate(ctx context.Context, cfg Config) error {
	srv, err := server(ctx)
	if err != nil {
		return err
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	name := templateName(cfg.TemplateVersion)
	delete(srv.templates, cfg.TemplateVersion)
	for _, q := range []string{
		"ALTER DATABASE " + sqlident.Quote(name) + " IS_TEMPLATE false",
		"DROP DATABASE " + sqlident.Quote(name) + " WITH (FORCE)",
	} {
		if _, err := srv.admin.ExecContext(ctx, q); err != nil {
			var exists bool
			if qerr := srv.admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); qerr == nil && !exists {
				return nil
			}
			return fmt.Errorf("drop template %s: %w", name, err)
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" database/sql driver
