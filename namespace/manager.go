package namespace

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// Access levels, as in the manifest.
const (
	accessRead      = manifest.Read
	accessReadWrite = manifest.ReadWrite
	secretRead      = manifest.ReadAccessKey
	secretReadWrite = manifest.ReadWriteAccessKey
)

// Config configures a Manager. Only DSN is required.
type Config struct {
	// DSN reaches the platform database as a user that may create schemas
	// and roles (a superuser, or a user with CREATEROLE that owns the
	// database). A URL or a keyword/value string, as pgx accepts.
	DSN string
	// MaxConnsPerPool bounds each handle pool (one pool per namespace and
	// access level). Zero means 10.
	MaxConnsPerPool int
	// Logger is GORM's logger for the admin and handle DBs; nil is silent.
	Logger logger.Interface
}

// Manager is the platform side of custom data: it installs plugins, opens
// namespace handles and runs the admin operations. It holds the admin
// connection; plugin code gets only Handles. A Manager is safe for
// concurrent use.
type Manager struct {
	cfg     Config
	connCfg *pgx.ConnConfig
	admin   *gorm.DB
	dbOID   uint32

	mu     sync.Mutex
	pools  map[poolKey]*pool
	closed bool

	// connect opens a handle pool; a field so tests can make it fail.
	connect func(ctx context.Context, k poolKey, role, password string) (*pool, error)
}

// NewManager connects to the platform database at dsn (see Config.DSN).
func NewManager(ctx context.Context, dsn string) (*Manager, error) {
	return NewManagerWithConfig(ctx, Config{DSN: dsn})
}

// NewManagerWithConfig connects as cfg says and prepares the Manager's own
// bookkeeping schema (customdata_admin), which plugin roles cannot reach.
func NewManagerWithConfig(ctx context.Context, cfg Config) (*Manager, error) {
	if cfg.DSN == "" {
		return nil, errors.New("customdata: namespace.NewManager: empty DSN")
	}
	if cfg.MaxConnsPerPool <= 0 {
		cfg.MaxConnsPerPool = 10
	}
	if cfg.Logger == nil {
		cfg.Logger = logger.Discard
	}
	connCfg, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("customdata: parse DSN: %w", err)
	}
	sqlDB := stdlib.OpenDB(*connCfg)
	admin, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: cfg.Logger, SkipDefaultTransaction: true})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("customdata: open admin connection: %w", err)
	}
	m := &Manager{cfg: cfg, connCfg: connCfg, admin: admin, pools: map[poolKey]*pool{}}
	m.connect = m.connectPool
	if err := admin.WithContext(ctx).Raw("SELECT oid FROM pg_database WHERE datname = current_database()").Scan(&m.dbOID).Error; err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("customdata: connect to platform database: %w", err)
	}
	if err := ensureAdminSchema(ctx, admin); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return m, nil
}

// DB returns the admin *gorm.DB, for platform code and tests. Plugin code
// must never get it: it bypasses every access rule.
func (m *Manager) DB() *gorm.DB { return m.admin }

// Close closes every handle pool and the admin connection.
func (m *Manager) Close() error {
	m.mu.Lock()
	pools := m.pools
	m.pools = map[poolKey]*pool{}
	m.closed = true
	m.mu.Unlock()
	var errs []error
	for _, p := range pools {
		errs = append(errs, p.sqlDB.Close())
	}
	if sqlDB, err := m.admin.DB(); err == nil {
		errs = append(errs, sqlDB.Close())
	}
	return errors.Join(errs...)
}

// validateName applies the manifest's namespace rule before a name touches SQL.
func validateName(name string) error {
	if err := manifest.ValidateNamespace(name); err != nil {
		return fmt.Errorf("customdata: %w: %w", ErrInvalidNamespace, err)
	}
	return nil
}

// namespaceLock takes the transaction-scoped advisory lock of ns, which
// serializes installs, key changes and drops of one namespace across
// processes.
func namespaceLock(tx *gorm.DB, ns string) error {
	return tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "customdata:namespace:"+ns).Error
}

// schemaExists reports whether the namespace's schema exists with its key table.
func schemaExists(db *gorm.DB, ns string) (bool, error) {
	var ok bool
	err := db.Raw(`SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'namespace_auth')`, ns).Scan(&ok).Error
	return ok, err
}

// lookupKey returns the access level key grants in ns ("" if none).
func lookupKey(db *gorm.DB, ns, key string) (manifest.Access, error) {
	var levels []string
	q := "SELECT access_level FROM " + sqlident.Quote(ns, systables.NamespaceAuth) + " WHERE key_hash = $1"
	if err := db.Raw(q, hashKey(key)).Scan(&levels).Error; err != nil {
		return "", err
	}
	if len(levels) == 0 {
		return "", nil
	}
	return manifest.Access(levels[0]), nil
}
