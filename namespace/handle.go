package namespace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/manifest"
)

type poolKey struct {
	ns     string
	access manifest.Access
}

// pool is one connection pool, logged in as a namespace role, shared by all
// handles of that namespace and level. refs is guarded by Manager.mu.
type pool struct {
	sqlDB *sql.DB
	db    *gorm.DB
	conn  *roleConnector
	refs  int
	// retired is closed when the Manager closes the pool (Close, RotateKeys,
	// Drop) while handles may still hold it; why says which.
	retired chan struct{}
	why     error
}

// opening is a pool being opened: later Opens of the same key wait for it
// instead of opening a second one, without holding the Manager's mutex.
type opening struct {
	done chan struct{}
	p    *pool
	err  error
}

// Handle is plugin code's access to one namespace, at the level its key
// granted. Handles of the same namespace and level share a connection pool.
// A Handle is safe for concurrent use.
type Handle struct {
	m      *Manager
	key    poolKey
	p      *pool
	once   sync.Once
	closed chan struct{}
}

// Open verifies key against the namespace's keys (by SHA-256 digest) and
// returns a handle whose access level the key decides. A read_write key
// gives read_write; a read key gives read.
//
// What a key granted is remembered for Config.KeyCacheTTL (5 s by
// default): within it, Open of a namespace whose pool the Manager already
// holds (it keeps a pool after its last handle closes; see Close) sends
// nothing to the database; opening a pool checks the key afresh. So a key revoked or
// rotated by another Manager (or process) opens no more handles at most
// KeyCacheTTL after the change committed; RotateKeys and Drop by this
// Manager refuse the old keys at once.
func (m *Manager) Open(ctx context.Context, name, key string) (*Handle, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	if key == "" {
		exists, err := schemaExists(m.admin.WithContext(ctx), name)
		if err != nil {
			return nil, fmt.Errorf("customdata: open namespace %q: %w", name, err)
		}
		if !exists {
			return nil, errNotFound("", name)
		}
		return nil, errKeyMissing("", name, secretRead, secretReadWrite)
	}
	digest := hashKey(key)
	if level, ok := m.keys.get(name, digest); ok {
		// Only where the pool is held: opening one costs round trips
		// anyway, and the key is checked afresh then.
		k := poolKey{ns: name, access: level}
		if p := m.held(k); p != nil {
			p.conn.vouch(digest)
			return &Handle{m: m, key: k, p: p, closed: make(chan struct{})}, nil
		}
	}
	gen, sent := m.keys.generation(name), time.Now()
	level, err := checkKey(m.admin.WithContext(ctx), name, digest)
	if err != nil {
		return nil, err
	}
	m.keys.put(name, digest, level, gen, sent)
	k := poolKey{ns: name, access: level}
	p, err := m.acquire(ctx, k)
	if err != nil {
		return nil, err
	}
	p.conn.vouch(digest)
	return &Handle{m: m, key: k, p: p, closed: make(chan struct{})}, nil
}

// checkKey returns the level the key with digest grants in ns, in one
// round trip; ErrNamespaceNotFound or ErrKeyInvalid if none.
func checkKey(admin *gorm.DB, ns, digest string) (manifest.Access, error) {
	var levels []string
	q := "SELECT access_level FROM " + sqlident.Quote(ns, systables.NamespaceAuth) + " WHERE key_hash = $1"
	if err := admin.Raw(q, digest).Scan(&levels).Error; err != nil {
		// No such schema or table (3F000, 42P01), or a schema the admin
		// may not read: not found if it is no namespace.
		if exists, err2 := schemaExists(admin, ns); err2 == nil && !exists {
			return "", errNotFound("", ns)
		}
		return "", fmt.Errorf("customdata: open namespace %q: %w", ns, err)
	}
	if len(levels) == 0 {
		return "", errKeyInvalid("", ns, secretRead, secretReadWrite)
	}
	return manifest.Access(levels[0]), nil
}

// Name returns the namespace.
func (h *Handle) Name() string {
	if h.invalid() {
		return ""
	}
	return h.key.ns
}

// Access returns the handle's level: manifest.Read or manifest.ReadWrite.
func (h *Handle) Access() manifest.Access {
	if h.invalid() {
		return ""
	}
	return h.key.access
}

// ErrNilHandle is carried by the DB of, and returned by Close of, a nil
// *Handle or one not obtained from Manager.Open.
var ErrNilHandle = errors.New("customdata: nil or zero *namespace.Handle (use the handle Manager.Open returned)")

// invalid reports whether h is nil or was not made by Open.
func (h *Handle) invalid() bool { return h == nil || h.p == nil || h.p.db == nil }

// errDB is the DB of an invalid handle: it never connects, and every
// statement on it fails with ErrNilHandle before any round trip.
var errDB = sync.OnceValue(func() *gorm.DB {
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sql.OpenDB(failConnector{})}),
		&gorm.Config{DisableAutomaticPing: true, SkipDefaultTransaction: true, Logger: logger.Discard})
	if err != nil { // opening without a ping connects to nothing; keep the error anyway
		_ = db.AddError(err)
	}
	return db
})

// failConnector refuses every connection.
type failConnector struct{}

func (failConnector) Connect(context.Context) (driver.Conn, error) { return nil, ErrNilHandle }
func (failConnector) Driver() driver.Driver                        { return failDriver{} }

type failDriver struct{}

func (failDriver) Open(string) (driver.Conn, error) { return nil, ErrNilHandle }

// DB returns the namespace-scoped *gorm.DB for ctx: custom models resolve to
// tables in the namespace, and every statement runs as the namespace's
// reader or writer role. On a read handle every write is refused with
// ErrWriteDenied, by Go before any round trip and by PostgreSQL for whatever
// reaches it. After Close (or once the Manager closed the handle's pool:
// Manager.Close, RotateKeys, Drop), the DB carries ErrHandleClosed. The DB
// of a nil *Handle carries ErrNilHandle and never connects.
func (h *Handle) DB(ctx context.Context) *gorm.DB {
	if h.invalid() {
		db := errDB().WithContext(ctx)
		_ = db.AddError(ErrNilHandle)
		return db
	}
	db := h.p.db.WithContext(ctx)
	select {
	case <-h.closed:
		_ = db.AddError(fmt.Errorf("customdata: namespace %q: %w", h.key.ns, ErrHandleClosed))
	case <-h.p.retired:
		_ = db.AddError(fmt.Errorf("customdata: namespace %q: %w: %w", h.key.ns, ErrHandleClosed, h.p.why))
	default:
	}
	return db
}

// Close releases the handle. The Manager keeps the pool of its namespace
// and level for the next Open (its idle connections close after
// Config.PoolIdleTimeout), up to a bound; Manager.Close, RotateKeys and
// Drop close it. Close is idempotent.
func (h *Handle) Close() error {
	if h.invalid() {
		return ErrNilHandle
	}
	var err error
	h.once.Do(func() {
		close(h.closed)
		err = h.m.release(h.key, h.p)
	})
	return err
}

// held returns the pool of k with one more reference, if the Manager holds
// it, else nil.
func (m *Manager) held(k poolKey) *pool {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pools[k]
	if !ok || m.closed {
		return nil
	}
	p.refs++
	return p
}

// acquire returns the pool of k, opening it (and making sure its roles
// exist, for namespaces created by another SDK) on first use. Only the first
// Open of a key opens the pool; concurrent ones wait for it.
func (m *Manager) acquire(ctx context.Context, k poolKey) (*pool, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, errManagerClosed
		}
		if p, ok := m.pools[k]; ok {
			p.refs++
			m.mu.Unlock()
			return p, nil
		}
		if o, ok := m.opening[k]; ok {
			m.mu.Unlock()
			select {
			case <-o.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if o.err != nil {
				return nil, o.err
			}
			continue // the pool is in m.pools now (or was retired meanwhile)
		}
		o := &opening{done: make(chan struct{})}
		m.opening[k] = o
		m.mu.Unlock()

		o.p, o.err = m.openPool(ctx, k)

		m.mu.Lock()
		delete(m.opening, k)
		if o.err == nil {
			if m.closed {
				o.err = errManagerClosed
				_ = o.p.sqlDB.Close()
			} else {
				o.p.refs = 1
				m.pools[k] = o.p
			}
		}
		m.mu.Unlock()
		close(o.done)
		return o.p, o.err
	}
}

var errManagerClosed = errors.New("customdata: the namespace Manager is closed")

// maxParkedPools bounds the pools a Manager keeps without handles.
const maxParkedPools = 1024

// release drops one reference to p. A pool whose last handle closed stays
// with the Manager (parked) while idle connections close by themselves
// (Config.PoolIdleTimeout), so that the next Open of its namespace and
// level costs no round trip (with the key cache) and no login while a
// connection is still open; beyond maxParkedPools pools without handles,
// or where idle connections are kept (a negative PoolIdleTimeout), it
// closes with its last handle. A pool the Manager already retired is
// closed already.
func (m *Manager) release(k poolKey, p *pool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pools[k] != p {
		return nil
	}
	p.refs--
	if p.refs > 0 {
		return nil
	}
	if m.cfg.PoolIdleTimeout > 0 && m.parkedLocked() <= maxParkedPools {
		return nil
	}
	delete(m.pools, k)
	return p.sqlDB.Close()
}

// parkedLocked counts the pools without handles. The caller holds m.mu.
func (m *Manager) parkedLocked() int {
	n := 0
	for _, p := range m.pools {
		if p.refs == 0 {
			n++
		}
	}
	return n
}

// retire closes pools that handles may still hold, telling them why. The
// caller holds m.mu and has removed the pools from m.pools.
func retire(p *pool, why error) error {
	p.why = why
	close(p.retired)
	return p.sqlDB.Close()
}

func (m *Manager) openPool(ctx context.Context, k poolKey) (*pool, error) {
	pw, err := m.rolePassword(ctx, k, false)
	if err != nil {
		return nil, fmt.Errorf("customdata: open namespace %q: %w", k.ns, err)
	}
	conn := &roleConnector{m: m, k: k, role: m.roleOf(k), password: pw}
	sqlDB := sql.OpenDB(conn)
	sqlDB.SetMaxOpenConns(m.cfg.MaxConnsPerPool)
	sqlDB.SetMaxIdleConns(m.cfg.MaxConnsPerPool)
	if m.cfg.PoolIdleTimeout > 0 {
		sqlDB.SetConnMaxIdleTime(m.cfg.PoolIdleTimeout)
	}
	db, err := scope.Open(sqlDB, k.ns, scope.Options{Logger: m.cfg.Logger, ReadOnly: k.access == accessRead})
	if err == nil {
		err = custommodel.RegisterCallbacks(db)
	}
	if err == nil {
		err = registerAccessCallbacks(db, k)
	}
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("customdata: open namespace %q as its %s role: %w", k.ns, k.access, err)
	}
	return &pool{sqlDB: sqlDB, db: db, conn: conn, retired: make(chan struct{})}, nil
}

func (m *Manager) roleOf(k poolKey) string {
	reader, writer := m.roleNames(k.ns)
	if k.access == accessReadWrite {
		return writer
	}
	return reader
}

// rolePassword returns the password of k's role, under the namespace's lock.
// It gives a namespace made elsewhere (the Python SDK, a restored dump) its
// roles and grants on first use, and with reset sets a fresh password.
//
// Reading a password the Manager stored is one statement, without the
// namespace's lock: a password reset concurrently makes the login fail,
// and the connector then reads it again (see roleConnector).
func (m *Manager) rolePassword(ctx context.Context, k poolKey, reset bool) (string, error) {
	role := m.roleOf(k)
	quiet := m.admin.Session(&gorm.Session{Logger: logger.Discard}) // the password is not logged
	if !reset {
		var found []string
		err := quiet.WithContext(ctx).Raw("SELECT password FROM "+sqlident.Quote(adminSchema, credentialTable)+
			" c WHERE role_name = $1 AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = c.role_name)", role).Scan(&found).Error
		if err == nil && len(found) == 1 {
			return found[0], nil
		}
	}
	var pw string
	err := m.lockedTx(ctx, quiet, k.ns, func(tx *gorm.DB) error {
		if reset {
			var err error
			pw, err = m.setRolePassword(tx, role, k.ns, string(k.access), true)
			return err
		}
		var found []string
		if err := tx.Raw("SELECT password FROM "+sqlident.Quote(adminSchema, credentialTable)+
			" c WHERE role_name = $1 AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = c.role_name)", role).Scan(&found).Error; err != nil {
			return err
		}
		if len(found) == 1 {
			pw = found[0]
			return nil
		}
		if err := m.ensureRoles(tx, k.ns); err != nil {
			return err
		}
		if err := m.grant(tx, k.ns); err != nil {
			return err
		}
		if err := tx.Raw("SELECT password FROM "+sqlident.Quote(adminSchema, credentialTable)+" WHERE role_name = $1", role).Scan(&found).Error; err != nil {
			return err
		}
		if len(found) != 1 {
			return fmt.Errorf("no credentials for its %s role", k.access)
		}
		pw = found[0]
		return nil
	})
	return pw, err
}

// registerAccessCallbacks installs the Go-level checks of a handle's DB: on
// a read handle, GORM creates, updates, deletes and raw Execs fail with
// ErrWriteDenied before any round trip; on every handle, PostgreSQL's
// "insufficient privilege" refusals of writes are reported as
// ErrWriteDenied (read handles) with the *pgconn.PgError kept underneath.
func registerAccessCallbacks(db *gorm.DB, k poolKey) error {
	cb := db.Callback()
	if k.access == accessRead {
		deny := func(op string) func(*gorm.DB) {
			return func(tx *gorm.DB) {
				if tx.Error == nil {
					_ = tx.AddError(errWriteDenied(k.ns, op, nil))
				}
			}
		}
		// Raw(sql).Scan runs as a query in GORM: refuse one whose first
		// keyword is a write, before any round trip. (Raw(sql).Row() cannot be
		// refused here: GORM would hand back a nil *sql.Row. PostgreSQL
		// refuses it, as it refuses a data-modifying WITH.)
		denyWriteQuery := func(tx *gorm.DB) {
			if tx.Error == nil && startsWithWrite(tx.Statement.SQL.String()) {
				_ = tx.AddError(errWriteDenied(k.ns, "write", nil))
			}
		}
		regs := []error{
			cb.Query().Before("*").Register("customdata:deny_write_query", denyWriteQuery),
			cb.Create().Before("*").Register("customdata:deny_create", deny("create rows")),
			cb.Update().Before("*").Register("customdata:deny_update", deny("update rows")),
			cb.Delete().Before("*").Register("customdata:deny_delete", deny("delete rows")),
			cb.Raw().Before("*").Register("customdata:deny_exec", deny("execute statements (Exec)")),
		}
		if err := errors.Join(regs...); err != nil {
			return err
		}
	}
	translate := func(tx *gorm.DB) {
		var pgErr *pgconn.PgError
		if k.access == accessRead && tx.Error != nil && !errors.Is(tx.Error, ErrWriteDenied) &&
			errors.As(tx.Error, &pgErr) && pgErr.Code == "42501" && isWriteSQL(tx.Statement.SQL.String()) {
			tx.Error = errWriteDenied(k.ns, "write", tx.Error)
		}
	}
	return errors.Join(
		cb.Query().After("gorm:query").Register("customdata:translate_query", translate),
		cb.Raw().After("gorm:raw").Register("customdata:translate_raw", translate),
		cb.Row().After("gorm:row").Register("customdata:translate_row", translate),
	)
}

// isWriteSQL reports whether a statement that PostgreSQL refused for lack of
// privilege was a write, so that a read handle's refused SELECT (of another
// namespace, say) is not reported as a write.
//
// It looks at whole words, so a column such as created_at or updated_at is
// not taken for CREATE or UPDATE.
func isWriteSQL(q string) bool {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '$')
	})
	for i, w := range words {
		switch w {
		case "insert", "update", "delete", "merge", "truncate", "copy", "create", "alter", "drop", "grant", "revoke", "nextval", "setval",
			"lock", "into", // LOCK TABLE; SELECT INTO makes a table
			"lo_create", "lo_creat", "lo_from_bytea", "lo_import", "lo_export", "lo_unlink", "lo_put", "lo_truncate", "lowrite",
			"pg_logical_emit_message":
			return true // FOR [NO KEY] UPDATE row locks included
		case "share":
			if i > 0 && (words[i-1] == "for" || words[i-1] == "key") {
				return true // FOR [KEY] SHARE row locks
			}
		}
	}
	return false
}

// startsWithWrite reports whether a statement's first keyword (after white
// space, comments and opening parentheses) changes data or schema.
func startsWithWrite(q string) bool {
	for {
		q = strings.TrimLeft(q, " \t\r\n(")
		switch {
		case strings.HasPrefix(q, "--"):
			if i := strings.IndexByte(q, '\n'); i >= 0 {
				q = q[i+1:]
				continue
			}
			return false
		case strings.HasPrefix(q, "/*"):
			if i := strings.Index(q, "*/"); i >= 0 {
				q = q[i+2:]
				continue
			}
			return false
		}
		break
	}
	end := strings.IndexFunc(q, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
	if end < 0 {
		end = len(q)
	}
	switch strings.ToLower(q[:end]) {
	case "insert", "update", "delete", "merge", "truncate", "copy", "create", "alter", "drop", "grant", "revoke", "call", "do", "lock", "vacuum", "reindex", "cluster", "comment", "security", "refresh", "import":
		return true
	}
	return false
}
