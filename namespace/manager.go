package namespace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

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
	// RoleConnectionLimit is the most sessions one namespace role may hold
	// on the server at once, over every Manager and pool (PostgreSQL's
	// CONNECTION LIMIT, enforced at login with SQLSTATE 53300). Plugin code
	// can reach its handle's *sql.DB and lift the pool's own bound; this
	// limit keeps such misuse to its own namespace and level. Zero means
	// 4 × MaxConnsPerPool; a negative value means no limit.
	RoleConnectionLimit int
	// HandleLimits are the server-side limits of every handle session
	// (statement, lock and idle-in-transaction timeouts, temporary files);
	// zero fields take their defaults.
	HandleLimits HandleLimits
	// LockWait bounds each wait of an install (or of the first Open of a
	// namespace made elsewhere) for a lock another session holds, after the
	// namespace's own install lock; the install is then retried, 3 times
	// in all, before it fails with ErrLockTimeout. Zero means 5 s.
	LockWait time.Duration
	// Logger is GORM's logger for the admin and handle DBs; nil is silent.
	Logger logger.Interface
	// SDKRole is the role Canvas's Python plugin runner runs every plugin
	// as (its CANVAS_SDK_DATABASE_ROLE); empty means DefaultSDKRole. Where
	// it exists, namespaces get Canvas's layout so Python plugins can share
	// them (see the package documentation).
	SDKRole string
	// ReportingRole is the role of customers' read replicas; empty means
	// DefaultReportingRole. Where it exists (and SDKRole does), it gets
	// read access to every namespace, as Canvas grants it.
	ReportingRole string
}

// Manager is the platform side of custom data: it installs plugins, opens
// namespace handles and runs the admin operations. It holds the admin
// connection; plugin code gets only Handles. A Manager is safe for
// concurrent use.
type Manager struct {
	cfg      Config
	connCfg  *pgx.ConnConfig
	admin    *gorm.DB // the Manager's own statements (search_path pg_catalog)
	platform *gorm.DB // DB(): the DSN's settings, for platform code
	dbOID    uint32
	// roleSettings are the settings every namespace role carries (the
	// handle limits), sorted, as PostgreSQL stores them.
	roleSettings []string

	mu      sync.Mutex
	pools   map[poolKey]*pool
	opening map[poolKey]*opening
	closed  bool

	// noSessionGuard turns the session guard (session.go) off, for the
	// benchmark that measures its cost.
	noSessionGuard bool

	// dial opens one connection of a handle pool; a field so tests can
	// make it fail as password authentication would.
	dial func(ctx context.Context, cfg *pgx.ConnConfig) (driver.Conn, error)
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
	if cfg.LockWait <= 0 {
		cfg.LockWait = defaultLockWait
	}
	switch {
	case cfg.RoleConnectionLimit == 0:
		cfg.RoleConnectionLimit = 4 * cfg.MaxConnsPerPool
	case cfg.RoleConnectionLimit < 0:
		cfg.RoleConnectionLimit = -1
	}
	if cfg.SDKRole == "" {
		cfg.SDKRole = DefaultSDKRole
	}
	if cfg.ReportingRole == "" {
		cfg.ReportingRole = DefaultReportingRole
	}
	if cfg.Logger == nil {
		cfg.Logger = logger.Discard
	}
	connCfg, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("customdata: parse DSN: %w", err)
	}
	// The Manager's own statements run on a pool of their own whose
	// search_path is pg_catalog alone: no function or table a plugin might
	// place in another schema can stand in for a built-in one there. DB()
	// is a separate pool with the DSN's settings, for platform code.
	adminCfg := connCfg.Copy()
	adminCfg.RuntimeParams["search_path"] = "pg_catalog"
	admin, err := openGorm(stdlib.OpenDB(*adminCfg), cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("customdata: connect to the platform database: %w", err)
	}
	platform, err := openGorm(stdlib.OpenDB(*connCfg), cfg.Logger)
	if err != nil {
		_ = closeGorm(admin)
		return nil, fmt.Errorf("customdata: connect to the platform database: %w", err)
	}
	m := &Manager{cfg: cfg, connCfg: connCfg, admin: admin, platform: platform, pools: map[poolKey]*pool{}, opening: map[poolKey]*opening{}, dial: dialPgx}
	if err := admin.WithContext(ctx).Raw("SELECT oid FROM pg_database WHERE datname = current_database()").Scan(&m.dbOID).Error; err != nil {
		_ = m.Close()
		return nil, fmt.Errorf("customdata: connect to platform database: %w", err)
	}
	var superuser bool
	if err := admin.WithContext(ctx).Raw("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&superuser).Error; err != nil {
		_ = m.Close()
		return nil, fmt.Errorf("customdata: connect to platform database: %w", err)
	}
	m.cfg.HandleLimits = cfg.HandleLimits.withDefaults()
	m.roleSettings = m.cfg.HandleLimits.roleSettings(superuser)
	if err := ensureAdminSchema(ctx, admin); err != nil {
		_ = m.Close()
		return nil, err
	}
	return m, nil
}

// DB returns the admin *gorm.DB, for platform code and tests. Plugin code
// must never get it: it bypasses every access rule.
func (m *Manager) DB() *gorm.DB { return m.platform }

// Close closes every handle pool and the admin connection.
func (m *Manager) Close() error {
	m.mu.Lock()
	pools := m.pools
	m.pools = map[poolKey]*pool{}
	m.closed = true
	m.mu.Unlock()
	var errs []error
	for _, p := range pools {
		errs = append(errs, retire(p, errManagerClosed))
	}
	errs = append(errs, closeGorm(m.admin), closeGorm(m.platform))
	return errors.Join(errs...)
}

// validateName applies the manifest's namespace rule before a name touches SQL.
func validateName(name string) error {
	if err := manifest.ValidateNamespace(name); err != nil {
		return fmt.Errorf("customdata: %w", err) // err matches ErrInvalidNamespace
	}
	return nil
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

func openGorm(sqlDB *sql.DB, lg logger.Interface) (*gorm.DB, error) {
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: lg, SkipDefaultTransaction: true})
	if err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

func closeGorm(db *gorm.DB) error {
	if db == nil {
		return nil
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
