package pgdiscover

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/canvas-sdk-go/customdata/internal/pgcluster"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// NoEphemeralEnv is the environment variable that, set to anything but ""
// or "0", skips the throwaway cluster (step 2 in the package doc).
const NoEphemeralEnv = "CUSTOMDATA_TEST_NO_EPHEMERAL"

// Source says where a Server was found.
type Source string

// The sources, in the order Find tries them.
const (
	FromEnv       Source = "DATABASE_URL"
	FromEphemeral Source = "a throwaway cluster from the local PostgreSQL binaries"
	FromLocalhost Source = "the server on localhost:5432"
)

// LocalDSN is the server tried last: trust authentication for the user
// postgres on 127.0.0.1:5432.
const LocalDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// MinServerVersion is the oldest PostgreSQL accepted, as a
// server_version_num (DROP DATABASE ... WITH (FORCE) is new in 13).
const MinServerVersion = 130000

// ErrServerTooOld is wrapped by the error of a server older than
// MinServerVersion.
var ErrServerTooOld = errors.New("pgdiscover: PostgreSQL server too old")

// Server is a PostgreSQL server that answered.
type Server struct {
	// DSN reaches the server as its admin user. With FromEnv it is
	// DATABASE_URL itself (its database included); otherwise it names the
	// postgres maintenance database.
	DSN string
	// Source says where the server was found.
	Source Source
	// DB is an open pool on DSN, closed by Close.
	DB *sql.DB
	// PassedOver, for a server found on localhost:5432, says why the
	// throwaway cluster was not used (its error), so that the caller can
	// tell its user once; empty otherwise, and when NoEphemeralEnv asked
	// for no throwaway cluster. The package prints nothing itself.
	PassedOver string

	stop func() error // stops the throwaway cluster; nil otherwise
}

// Ephemeral reports whether the server is a throwaway cluster that this
// process started and that Close stops and removes.
func (s *Server) Ephemeral() bool { return s.Source == FromEphemeral }

// Close closes DB and, for a throwaway cluster, stops the server and
// removes its directory. A nil Server closes nothing.
func (s *Server) Close() error {
	if s == nil {
		return nil
	}
	var errs []error
	if s.DB != nil {
		errs = append(errs, s.DB.Close())
	}
	if s.stop != nil {
		errs = append(errs, s.stop())
		s.stop = nil
	}
	return errors.Join(errs...)
}

// Find looks for a server in the order of the package doc and returns the
// first that answers. The caller closes it.
func Find(ctx context.Context) (*Server, error) {
	return FindWithOptions(ctx, Options{})
}

// Options adjust Find.
type Options struct {
	// DSN, if set, stands in for DATABASE_URL (a command-line flag's value);
	// errors then name it DSNName.
	DSN string
	// DSNName names DSN in errors, e.g. "--database-url"; "" is "DSN".
	DSNName string
	// Getenv reads the environment; nil is os.Getenv.
	Getenv func(string) string
	// NoThrowaway skips step 2. Tools whose work must outlive them (the
	// customdata CLI) set it: a throwaway cluster vanishes with its data.
	NoThrowaway bool
}

// FindWithOptions is Find adjusted by opts.
func FindWithOptions(ctx context.Context, opts Options) (*Server, error) {
	f := finder{getenv: opts.Getenv, startEphemeral: startEphemeral, localDSN: LocalDSN, dsn: opts.DSN, dsnName: opts.DSNName}
	if f.getenv == nil {
		f.getenv = os.Getenv
	}
	if opts.NoThrowaway {
		f.startEphemeral = nil
	}
	return f.find(ctx)
}

// StartThrowaway starts a throwaway cluster (step 2 alone), whatever the
// environment says. Close stops it and removes its directory.
func StartThrowaway(ctx context.Context) (*Server, error) {
	dsn, stop, err := startEphemeral(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgdiscover: throwaway cluster: %w", err)
	}
	db, err := ping(ctx, dsn)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("pgdiscover: throwaway cluster: %w", err), stop())
	}
	return &Server{DSN: dsn, Source: FromEphemeral, DB: db, stop: stop}, nil
}

// finder holds what find depends on, so tests can pin each of them.
type finder struct {
	getenv func(string) string
	// dsn and dsnName stand in for DATABASE_URL when dsn is set.
	dsn, dsnName string
	// startEphemeral starts a throwaway cluster; nil skips step 2.
	startEphemeral func(ctx context.Context) (dsn string, stop func() error, err error)
	localDSN       string
}

func (f finder) find(ctx context.Context) (*Server, error) {
	var tried []string
	dsn, name := strings.TrimSpace(f.getenv("DATABASE_URL")), "DATABASE_URL"
	if f.dsn != "" {
		dsn, name = f.dsn, cmp.Or(f.dsnName, "DSN")
	}
	if dsn != "" {
		if _, err := pgx.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("pgdiscover: %s (%s) cannot be parsed; fix it%s: %w", name, Redact(dsn), f.orElse(name), err)
		}
		db, err := ping(ctx, dsn)
		if errors.Is(err, ErrServerTooOld) {
			return nil, fmt.Errorf("pgdiscover: %s (%s) cannot be used; point it at a newer server%s: %w", name, Redact(dsn), f.orElse(name), err)
		}
		if err != nil {
			return nil, fmt.Errorf("pgdiscover: %s (%s) is set but connecting to it failed; "+
				"start that server or fix the URL%s: %w", name, Redact(dsn), f.orElse(name), err)
		}
		return &Server{DSN: dsn, Source: FromEnv, DB: db}, nil
	}
	switch v := strings.TrimSpace(f.getenv(NoEphemeralEnv)); {
	case f.startEphemeral == nil:
	case v != "" && v != "0":
		tried = append(tried, "throwaway cluster: skipped ("+NoEphemeralEnv+" is set)")
	default:
		dsn, stop, err := f.startEphemeral(ctx)
		if err == nil {
			db, perr := ping(ctx, dsn)
			if perr == nil {
				return &Server{DSN: dsn, Source: FromEphemeral, DB: db, stop: stop}, nil
			}
			if stop != nil {
				_ = stop()
			}
			err = perr
		}
		tried = append(tried, "throwaway cluster: "+err.Error())
	}
	db, err := ping(ctx, f.localDSN)
	if err == nil {
		srv := &Server{DSN: f.localDSN, Source: FromLocalhost, DB: db}
		if len(tried) > 0 && !strings.Contains(tried[0], NoEphemeralEnv) {
			srv.PassedOver = tried[0]
		}
		return srv, nil
	}
	tried = append(tried, "localhost:5432: "+err.Error())
	ways := "  1. DATABASE_URL=postgres://user:pass@host:5432/db (a user that may CREATE DATABASE and CREATE ROLE);\n" +
		"  2. local PostgreSQL binaries (apt-get install -y postgresql) for a throwaway cluster;\n" +
		"  3. a server on localhost:5432 with trust auth for user postgres.\n"
	if f.startEphemeral == nil {
		ways = "  1. DATABASE_URL=postgres://user:pass@host:5432/db;\n" +
			"  2. a server on localhost:5432 with trust auth for user postgres.\n"
	}
	return nil, fmt.Errorf("pgdiscover: no PostgreSQL server found. Provide one of:\n%sTried:\n  - %s", ways, strings.Join(tried, "\n  - "))
}

// orElse says what happens without the DSN named name.
func (f finder) orElse(name string) string {
	if name != "DATABASE_URL" {
		return ""
	}
	if f.startEphemeral == nil {
		return ", or unset DATABASE_URL to use the server on localhost:5432"
	}
	return ", or unset DATABASE_URL to use a throwaway local cluster"
}

// startEphemeral starts a throwaway cluster.
func startEphemeral(ctx context.Context) (dsn string, stop func() error, err error) {
	c, err := pgcluster.Start(ctx, pgcluster.Options{})
	if err != nil {
		return "", nil, err
	}
	return c.DSN(), c.Stop, nil
}

// ping connects to dsn and checks that the server is new enough.
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
		return nil, &onceError{err}
	}
	if err := checkServerVersion(num); err != nil {
		_ = db.Close()
		return nil, err
	}
	db.SetMaxOpenConns(4)
	return db, nil
}

// checkServerVersion returns an error naming the minimum version when num,
// a server_version_num, is older than MinServerVersion.
func checkServerVersion(num int) error {
	if num >= MinServerVersion {
		return nil
	}
	version := fmt.Sprintf("%d.%d", num/10000, num%10000) // 10 and later: 120004 is 12.4
	if num < 100000 {
		version = fmt.Sprintf("%d.%d.%d", num/10000, num/100%100, num%100) // 90603 is 9.6.3
	}
	return fmt.Errorf("%w: it runs %s; customdata needs PostgreSQL %d or newer",
		ErrServerTooOld, version, MinServerVersion/10000)
}

// WithDatabase returns dsn (a URL or a key=value string) pointed at the
// database name.
func WithDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgdiscover: parse database URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return strings.TrimSpace(dsn) + " dbname=" + sqlident.Literal(name), nil
}

// Redact returns dsn with any password hidden, whether or not it parses, so
// that it can be logged.
func Redact(dsn string) string {
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

// onceError is a connection error with each of its lines once: pgx makes
// one attempt per address and TLS mode and reports them all, so a refused
// connection would otherwise say the same thing twice.
type onceError struct{ err error }

func (e *onceError) Error() string {
	lines := strings.Split(e.err.Error(), "\n")
	seen := make(map[string]bool, len(lines))
	out := lines[:0]
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func (e *onceError) Unwrap() error { return e.err }
