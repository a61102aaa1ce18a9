package namespace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	// PoolIdleTimeout is how long a handle pool's connection may sit idle
	// before the pool closes it, so that namespaces opened once and then
	// idle hold no server connections (a pool keeps none open of its own
	// accord: its minimum is zero). The next call reconnects transparently,
	// at the cost of a login (a few milliseconds). It is checked about once
	// a second (so an idle connection may live up to a second longer).
	// Zero means 1 minute; a negative value means idle connections are kept
	// (up to MaxConnsPerPool per pool) until the handles close, and a pool
	// closes with its last handle instead of staying for the next Open.
	PoolIdleTimeout time.Duration
	// KeyCacheTTL is how long Open trusts a key it has checked: within it,
	// Open of a namespace whose pool the Manager holds sends nothing to the
	// database. A key revoked or rotated by another Manager (or by SQL)
	// opens no handle later than KeyCacheTTL after the change committed;
	// RotateKeys and Drop by this Manager take effect on its Opens at once.
	// Handles already open are not affected by the cache (see RotateKeys).
	// Zero means 5 s; a negative value means every Open checks its key.
	KeyCacheTTL time.Duration
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
	// TransactionPooler says that DSN reaches PostgreSQL through a
	// connection pooler that lends a server session to a client for one
	// transaction at a time (PgBouncer's pool_mode = transaction), so
	// nothing may rely on session state between transactions. Every
	// connection of the Manager, its DB() and its handles then sends each
	// statement in one round trip as an unnamed statement (pgx's
	// QueryExecModeExec: bind parameters, no prepared statement to lose
	// between transactions) and no startup parameter a pooler refuses.
	// The Manager's own sessions then keep the server's search_path instead
	// of pg_catalog alone; NewManager refuses (ErrUnsafeSearchPath) where
	// any role but its owner may create objects in a schema on it. Handle
	// limits are the roles' own settings, so they hold on the pooler's
	// sessions too. See the package documentation for the pooler's side.
	TransactionPooler bool
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

// defaultPoolIdleTimeout is Config.PoolIdleTimeout's default.
const defaultPoolIdleTimeout = time.Minute

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
	// superuser says whether the admin user is a superuser.
	superuser bool

	// keys remembers what keys granted, for Open (keycache.go).
	keys *keyCache

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
	case cfg.PoolIdleTimeout == 0:
		cfg.PoolIdleTimeout = defaultPoolIdleTimeout
	case cfg.PoolIdleTimeout < 0:
		cfg.PoolIdleTimeout = -1
	}
	switch {
	case cfg.KeyCacheTTL == 0:
		cfg.KeyCacheTTL = defaultKeyCacheTTL
	case cfg.KeyCacheTTL < 0:
		cfg.KeyCacheTTL = -1
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
	if cfg.TransactionPooler {
		// One round trip per statement, unnamed: nothing outlives the
		// transaction the pooler lends a session for.
		if connCfg.DefaultQueryExecMode == pgx.QueryExecModeCacheStatement {
			connCfg.DefaultQueryExecMode = pgx.QueryExecModeExec
		}
		connCfg.StatementCacheCapacity = 0
	}
	// The Manager's own statements run on a pool of their own whose
	// search_path is pg_catalog alone: no function or table a plugin might
	// place in another schema can stand in for a built-in one there. (A
	// transaction pooler refuses the startup parameter: there
	// checkSearchPath makes sure no plugin can create in a schema on the
	// server's search_path.) DB() is a separate pool with the DSN's
	// settings, for platform code.
	adminCfg := connCfg.Copy()
	if !cfg.TransactionPooler {
		adminCfg.RuntimeParams["search_path"] = "pg_catalog"
	}
	admin, err := openGorm(stdlib.OpenDB(*adminCfg), cfg.Logger)
	if err != nil {
		return nil, connectError(err)
	}
	platform, err := openGorm(stdlib.OpenDB(*connCfg), cfg.Logger)
	if err != nil {
		_ = closeGorm(admin)
		return nil, connectError(err)
	}
	m := &Manager{cfg: cfg, connCfg: connCfg, admin: admin, platform: platform, pools: map[poolKey]*pool{}, opening: map[poolKey]*opening{}, dial: dialPgx,
		keys: newKeyCache(cfg.KeyCacheTTL)}
	if err := admin.WithContext(ctx).Raw("SELECT oid FROM pg_database WHERE datname = current_database()").Scan(&m.dbOID).Error; err != nil {
		_ = m.Close()
		return nil, connectError(err)
	}
	if cfg.TransactionPooler {
		if err := checkSearchPath(ctx, admin); err != nil {
			_ = m.Close()
			return nil, err
		}
	}
	var superuser bool
	if err := admin.WithContext(ctx).Raw("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&superuser).Error; err != nil {
		_ = m.Close()
		return nil, fmt.Errorf("customdata: connect to platform database: %w", err)
	}
	m.cfg.HandleLimits = cfg.HandleLimits.withDefaults()
	m.superuser = superuser
	m.roleSettings = m.cfg.HandleLimits.roleSettings(superuser)
	if err := ensureAdminSchema(ctx, admin); err != nil {
		_ = m.Close()
		return nil, err
	}
	return m, nil
}

// connectError describes a failed connection to the platform database,
// naming Config.TransactionPooler where a pooler refused a startup
// parameter.
func connectError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "08P01" && strings.Contains(pgErr.Message, "unsupported startup parameter") {
		return fmt.Errorf("customdata: connect to the platform database: %w: the DSN reaches a connection pooler (such as PgBouncer) that refuses startup parameters; set Config.TransactionPooler: %w", ErrTransactionPooler, err)
	}
	return fmt.Errorf("customdata: connect to the platform database: %w", err)
}

// checkSearchPath refuses a search_path (the one the Manager's sessions get
// through a transaction pooler) with a schema, other than pg_catalog, in
// which PUBLIC or a role other than the schema's owner may create objects:
// a plugin could place there a function or table that stands in for one
// the Manager's statements mean.
func checkSearchPath(ctx context.Context, admin *gorm.DB) error {
	var unsafe []string
	err := admin.WithContext(ctx).Raw(`
SELECT n.nspname FROM unnest(current_schemas(false)) AS s(name)
JOIN pg_namespace n ON n.nspname = s.name
WHERE n.nspname <> 'pg_catalog' AND EXISTS (
  SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
  WHERE a.privilege_type = 'CREATE' AND a.grantee <> n.nspowner
    AND NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.oid = a.grantee), false))
ORDER BY n.nspname`).Scan(&unsafe).Error
	if err != nil {
		return fmt.Errorf("customdata: check the search_path: %w", err)
	}
	if len(unsafe) == 0 {
		return nil
	}
	quoted := make([]string, len(unsafe))
	for i, s := range unsafe {
		quoted[i] = strconv.Quote(s)
	}
	return fmt.Errorf("customdata: %w: schema %s on the search_path lets other roles create objects, which could stand in for the ones the Manager's statements mean (through a transaction pooler its sessions cannot set search_path = pg_catalog); run REVOKE CREATE ON SCHEMA %s FROM PUBLIC (and from any other role but its owner), or give the Manager's user a search_path without it (ALTER ROLE ... SET search_path)",
		ErrUnsafeSearchPath, strings.Join(quoted, ", "), sqlident.Quote(unsafe[0]))
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
