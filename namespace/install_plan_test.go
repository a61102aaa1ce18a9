package namespace

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// tripCounter counts round trips on the connections it dials: one each
// time a connection writes after it has read (or writes first).
type tripCounter struct{ n atomic.Int64 }

type tripConn struct {
	net.Conn
	c       *tripCounter
	mu      sync.Mutex
	waiting bool // wrote, and has read nothing since
}

func (t *tripConn) Write(b []byte) (int, error) {
	t.mu.Lock()
	if !t.waiting {
		t.c.n.Add(1)
		t.waiting = true
	}
	t.mu.Unlock()
	return t.Conn.Write(b)
}

func (t *tripConn) Read(b []byte) (int, error) {
	n, err := t.Conn.Read(b)
	if n > 0 {
		t.mu.Lock()
		t.waiting = false
		t.mu.Unlock()
	}
	return n, err
}

// countAdminTrips gives m an admin pool whose connections count their
// round trips on the returned counter.
func countAdminTrips(t *testing.T, m *Manager) *tripCounter {
	t.Helper()
	counter := &tripCounter{}
	cfg := m.connCfg.Copy()
	cfg.RuntimeParams["search_path"] = "pg_catalog"
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &tripConn{Conn: conn, c: counter}, nil
	}
	admin, err := openGorm(stdlib.OpenDB(*cfg), logger.Discard)
	require.NoError(t, err)
	old := m.admin
	m.admin = admin
	require.NoError(t, closeGorm(old))
	return counter
}

type tripRoom struct {
	custommodel.CustomModel
	Name     string `gorm:"uniqueIndex"`
	Capacity int64
}

type tripBooking struct {
	custommodel.CustomModel
	RoomID int64
	Room   *tripRoom `gorm:"foreignKey:RoomID;references:DBID"`
	Guest  string
}

func TestInstallRoundTrips(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	m, err := NewManager(ctx, d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	trips := countAdminTrips(t, m)
	// A connection to start from, so that only the install's own round
	// trips are counted.
	require.NoError(t, m.admin.Exec("SELECT 1").Error)

	p := Plugin{Name: "rooms", CustomData: manifest.CustomData{Namespace: "acme__trips", Access: manifest.ReadWrite},
		Models: []any{&tripRoom{}, &tripBooking{}}}
	trips.n.Store(0)
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	require.True(t, inst.Created)
	require.NotEmpty(t, inst.DDL)
	first := trips.n.Load()
	assert.LessOrEqual(t, first, int64(4), "a first install: the reads, the namespace, the tables, the grants")

	p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}
	for i := range 3 {
		trips.n.Store(0)
		again, err := m.Install(ctx, p)
		require.NoError(t, err)
		assert.Empty(t, again.DDL)
		assert.LessOrEqual(t, trips.n.Load(), int64(2), "re-install %d of unchanged models with their grants in place", i+1)
	}

	// The second round trip still records the install and signals it.
	var completed int
	require.NoError(t, m.admin.Raw(`SELECT count(*) FROM acme__trips.schema_version WHERE plugin_name = 'rooms' AND completed_at > now() - interval '1 minute'`).Scan(&completed).Error)
	assert.Equal(t, 1, completed)

	// A read install that joins: the same two.
	trips.n.Store(0)
	r := Plugin{Name: "reader", CustomData: manifest.CustomData{Namespace: "acme__trips", Access: manifest.Read},
		Secrets: map[string]string{manifest.ReadAccessKey: inst.Keys.Read}}
	_, err = m.Install(ctx, r)
	require.NoError(t, err)
	assert.LessOrEqual(t, trips.n.Load(), int64(2), "a read install of a namespace in place")
	t.Logf("first install %d round trips", first)
}

// logRecorder is a GORM logger that keeps every statement it is shown.
type logRecorder struct {
	mu   sync.Mutex
	stmt []string
}

func (r *logRecorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *logRecorder) Info(context.Context, string, ...any)     {}
func (r *logRecorder) Warn(context.Context, string, ...any)     {}
func (r *logRecorder) Error(context.Context, string, ...any)    {}
func (r *logRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.stmt = append(r.stmt, s)
	r.mu.Unlock()
}

func TestInstallLogsStatementsButNoPassword(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	rec := &logRecorder{}
	m, err := NewManagerWithConfig(ctx, Config{DSN: d.DSN, Logger: rec})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })

	p := Plugin{Name: "rooms", CustomData: manifest.CustomData{Namespace: "acme__logged", Access: manifest.ReadWrite},
		Models: []any{&tripRoom{}}}
	_, err = m.Install(ctx, p)
	require.NoError(t, err)

	var passwords []string
	require.NoError(t, m.admin.Raw(`SELECT password FROM customdata_admin.role_credential WHERE namespace = 'acme__logged'`).Scan(&passwords).Error)
	require.Len(t, passwords, 2)
	rec.mu.Lock()
	logged := strings.Join(rec.stmt, "\n")
	rec.mu.Unlock()
	assert.Contains(t, logged, `CREATE TABLE IF NOT EXISTS "acme__logged"."triproom"`, "the install's DDL is logged")
	assert.Contains(t, logged, "COMMENT ON ROLE", "so are the role's other statements")
	assert.NotContains(t, logged, "SCRAM-SHA-256", "no password verifier is logged")
	for _, pw := range passwords {
		assert.NotContains(t, logged, pw, "no password is logged")
	}
}

// TestInstallThroughGORMTransaction: where the DSN asks for the simple
// protocol, Install runs its GORM transaction instead of batches, and
// leaves the namespace as a batched install does.
func TestInstallThroughGORMTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	layouts := map[string]string{}
	for _, mode := range []string{"", "simple_protocol"} {
		d := testdb.New(t)
		dsn := d.DSN
		if mode != "" {
			dsn += "&default_query_exec_mode=" + mode
		}
		m, err := NewManager(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = m.Close() })
		p := Plugin{Name: "rooms", CustomData: manifest.CustomData{Namespace: "acme__viagorm", Access: manifest.ReadWrite},
			Models: []any{&tripRoom{}, &tripBooking{}}}
		inst, err := m.Install(ctx, p)
		require.NoError(t, err, mode)
		require.True(t, inst.Created)
		require.NotEmpty(t, inst.DDL)
		p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}
		again, err := m.Install(ctx, p)
		require.NoError(t, err, mode)
		assert.Empty(t, again.DDL, mode)
		reader, writer := m.roleNames("acme__viagorm")
		var layout string
		require.NoError(t, m.admin.Raw(`SELECT string_agg(format('%s r=%s w=%s', c.relname,
    has_table_privilege($1, c.oid, 'SELECT'), has_table_privilege($2, c.oid, 'SELECT,INSERT,UPDATE,DELETE')), ', ' ORDER BY c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'acme__viagorm' AND c.relkind = 'r'`, reader, writer).Scan(&layout).Error)
		layouts[mode] = layout
	}
	assert.Contains(t, layouts[""], "tripbooking r=t w=t")
	assert.Contains(t, layouts[""], "namespace_auth r=f w=f")
	assert.Equal(t, layouts[""], layouts["simple_protocol"])
}

// TestInstallRenamesOldModelIndexes: indexes under the names an earlier
// version gave them get their current names (or, where both exist, lose
// the old copy) in the same transaction, before the models are checked.
func TestInstallRenamesOldModelIndexes(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	m, err := NewManager(ctx, d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	const ns = "acme__renamed"
	models := []any{&tripRoom{}, &tripBooking{}}
	renames, err := custommodel.IndexRenames(ns, models...)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(renames), 2, "the test needs two renamed indexes")
	p := Plugin{Name: "rooms", CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite}, Models: models}
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}

	// The first index back under its old name only; the second under both.
	q := func(name string) string { return `"` + ns + `"."` + name + `"` }
	require.NoError(t, d.DB.Exec(`ALTER INDEX `+q(renames[0].New)+` RENAME TO "`+renames[0].Old+`"`).Error)
	var def string
	require.NoError(t, d.DB.Raw(`SELECT indexdef FROM pg_indexes WHERE schemaname = ? AND indexname = ?`, ns, renames[1].New).Scan(&def).Error)
	require.NoError(t, d.DB.Exec(strings.Replace(strings.Replace(def, renames[1].New, renames[1].Old, 1), "INDEX", "INDEX IF NOT EXISTS", 1)).Error)

	again, err := m.Install(ctx, p)
	require.NoError(t, err)
	assert.Empty(t, again.DDL, "the models are unchanged")
	var names []string
	require.NoError(t, d.DB.Raw(`SELECT indexname FROM pg_indexes WHERE schemaname = ? ORDER BY 1`, ns).Scan(&names).Error)
	for _, r := range renames[:2] {
		assert.Contains(t, names, r.New)
		assert.NotContains(t, names, r.Old)
	}
}
