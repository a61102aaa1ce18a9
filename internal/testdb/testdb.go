// Package testdb gives each test a fresh PostgreSQL database.
//
// The server is found once per process by package pgdiscover: DATABASE_URL,
// else a throwaway cluster from the local PostgreSQL binaries (stopped by
// Main at the end), else a server on localhost:5432.
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
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/pgdiscover"
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
		t.Fatalf("customdatatest: new database: %v", err)
	}
	t.Cleanup(func() {
		t.Helper()
		if t.Failed() {
			srv, err := server(context.Background())
			t.Logf("%s", keptMessage(d.DSN, err == nil && srv.Ephemeral()))
			if sqlDB, err := d.DB.DB(); err == nil {
				_ = sqlDB.Close()
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := d.Drop(ctx); err != nil {
			t.Errorf("customdatatest: drop test database: %v", err)
		}
	})
	return d
}

// keptMessage is what a failed test logs about its kept database: dsn with
// any password hidden (it can only be DATABASE_URL's), and how long the
// database stays.
func keptMessage(dsn string, ephemeral bool) string {
	shown := pgdiscover.Redact(dsn)
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
	// Marked as this process's before it exists: a DropKept running
	// meanwhile (a test of it) must not take it for a kept one.
	open.Store(name, struct{}{})
	if _, err := srv.DB.ExecContext(ctx, "CREATE DATABASE "+sqlident.Quote(name)+" TEMPLATE "+sqlident.Quote(tpl)); err != nil {
		open.Delete(name)
		return nil, fmt.Errorf("testdb: create database %q from template %q: %w", name, tpl, err)
	}
	defer func() {
		if err != nil { // do not leave the new database behind
			_, _ = srv.DB.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+sqlident.Quote(name)+" WITH (FORCE)")
			open.Delete(name)
		}
	}()
	var oid uint32
	if err := srv.DB.QueryRowContext(ctx, "SELECT oid FROM pg_database WHERE datname = $1", name).Scan(&oid); err != nil {
		return nil, fmt.Errorf("testdb: look up database %q: %w", name, err)
	}
	dsn, err := WithDatabase(srv.DSN, name)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(dsn)
	if err != nil {
		return nil, fmt.Errorf("testdb: open database %q: %w", name, err)
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
	if _, err := srv.DB.ExecContext(ctx, "DROP DATABASE IF EXISTS "+sqlident.Quote(d.Name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("testdb: drop database %q: %w", d.Name, err)
	}
	open.Delete(d.Name)
	return DropRoles(ctx, srv.DB, d.OID)
}

// DropRoles drops the namespace roles made in the (already dropped) database
// with this OID.
func DropRoles(ctx context.Context, admin *sql.DB, dbOID uint32) error {
	rows, err := admin.QueryContext(ctx, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", pgrole.DatabasePrefix(dbOID))
	if err != nil {
		return fmt.Errorf("testdb: list roles: %w", err)
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
			return fmt.Errorf("testdb: drop role %q: %w", r, err)
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
	return srv.DSN, string(srv.Source), nil
}

// WithDatabase returns dsn (a URL or a keyword/value string) pointed at the
// database name.
func WithDatabase(dsn, name string) (string, error) { return pgdiscover.WithDatabase(dsn, name) }

// resolved is the server of this process, with the templates built on it.
type resolved struct {
	*pgdiscover.Server

	mu        sync.Mutex
	templates map[string]string
}

var (
	serverMu   sync.Mutex
	serverDone bool
	serverVal  *resolved
	serverErr  error
)

// server finds the server once per process (see the package doc).
func server(ctx context.Context) (*resolved, error) {
	serverMu.Lock()
	defer serverMu.Unlock()
	if !serverDone {
		srv, err := pgdiscover.Find(ctx)
		if err == nil {
			serverVal = &resolved{Server: srv, templates: map[string]string{}}
			if srv.PassedOver != "" {
				// Say once why the tests use the shared server.
				fmt.Fprintf(os.Stderr, "customdata: using the server on localhost:5432: %s\n", srv.PassedOver)
			}
		}
		serverErr = err
		serverDone = true
	}
	return serverVal, serverErr
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
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	lockKey := int64(sum[0])<<24 | int64(sum[1])<<16 | int64(sum[2])<<8 | int64(sum[3])
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", fmt.Errorf("testdb: lock template %q: %w", name, err)
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
		return fmt.Errorf("testdb: clear stale template %q: %w", building, err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+sqlident.Quote(building)); err != nil {
		return fmt.Errorf("testdb: create template %q: %w", building, err)
	}
	if cfg.TemplateInit != nil {
		dsn, err := WithDatabase(s.DSN, building)
		if err != nil {
			return err
		}
		db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			return fmt.Errorf("testdb: open template %q: %w", building, err)
		}
		initErr := cfg.TemplateInit(ctx, db)
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
		if initErr != nil {
			return fmt.Errorf("testdb: initialize template %q: %w", building, initErr)
		}
	}
	// IS_TEMPLATE lets any user with CREATEDB clone it, not only its owner
	// or a superuser: test processes may connect as different users.
	for _, q := range []string{
		"ALTER DATABASE " + sqlident.Quote(building) + " IS_TEMPLATE true",
		"ALTER DATABASE " + sqlident.Quote(building) + " RENAME TO " + sqlident.Quote(name),
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("testdb: publish template %q: %w", name, err)
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
		if _, err := srv.DB.ExecContext(ctx, q); err != nil {
			var exists bool
			if qerr := srv.DB.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); qerr == nil && !exists {
				return nil
			}
			return fmt.Errorf("testdb: drop template %q: %w", name, err)
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
