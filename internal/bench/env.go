package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// env is one bench run's database and the two sets of clients on it: direct
// ones for timing, and ones through the round-trip proxy for counting.
type env struct {
	cfg    Config
	db     *testdb.Database
	proxy  *tripProxy
	keys   *namespace.Keys
	direct *clients
	count  *clients

	// keys of GetOrCreate misses, made before timing so that the timed
	// loops do not allocate them.
	missKeys []string
	missNext atomic.Int64
	// first-install namespaces are numbered.
	nsNext atomic.Int64
	// workerNames are the attribute names of SetAttribute's workers.
	workerNames []string
	// rows the growth tables hold now.
	growthRows int
	// installed holds, per model count, the namespace installed for the
	// re-install benchmarks.
	installed map[int]string
}

// clients are the variants' connections to the bench database.
type clients struct {
	mgr    *namespace.Manager
	h      *namespace.Handle // on ns, kept open: Open of it is cached
	hub    *attributehub.Hub // "bench"/"one": SetAttribute, GetAttribute
	hub100 *attributehub.Hub // "bench"/"hundred": 100 attributes
	ghub   *attributehub.Hub // "growth"/"g0", in the growth table
	conn   *pgx.Conn         // raw pgx, one connection
	pool   *pgxpool.Pool     // raw pgx, a pool as large as the handle's
	gorm   *gorm.DB          // plain GORM, default settings
	tracer *countTracer      // on conn
}

// newEnv makes the bench database, installs the bench namespace and opens
// both client sets.
func newEnv(ctx context.Context, cfg Config) (_ *env, err error) {
	d, err := testdb.Create(ctx, testdb.Config{})
	if err != nil {
		return nil, fmt.Errorf("bench: create database: %w", err)
	}
	e := &env{cfg: cfg, db: d, installed: map[int]string{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.close(context.WithoutCancel(ctx)))
		}
	}()
	// Set before any pool connects: every session of the database
	// (handles, pgx, GORM) starts with it.
	if err := d.DB.WithContext(ctx).Exec("ALTER DATABASE " + sqlident.Quote(d.Name) + " SET synchronous_commit = " + sqlident.Literal(cfg.SynchronousCommit)).Error; err != nil {
		return nil, fmt.Errorf("bench: set synchronous_commit: %w", err)
	}
	if e.proxy, err = newTripProxy(d.DSN); err != nil {
		return nil, err
	}
	e.workerNames = make([]string, 64)
	for i := range e.workerNames {
		e.workerNames[i] = "w" + strconv.Itoa(i)
	}
	e.missKeys = make([]string, cfg.missKeys())
	for i := range e.missKeys {
		e.missKeys[i] = "m" + strconv.Itoa(i)
	}

	mgr, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: d.DSN, MaxConnsPerPool: cfg.Pool})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	inst, err := mgr.Install(ctx, namespace.Plugin{
		Name:       "bench_hot",
		CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite},
		Models:     []any{&Room{}, &GrowthRoom{}},
	})
	if err != nil {
		_ = mgr.Close()
		return nil, fmt.Errorf("bench: install %s: %w", ns, err)
	}
	e.keys = inst.Keys
	if e.direct, err = e.open(ctx, d.DSN, mgr); err != nil {
		return nil, err
	}
	proxied, err := e.proxy.DSN(d.DSN)
	if err != nil {
		return nil, err
	}
	cmgr, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: proxied, MaxConnsPerPool: cfg.Pool})
	if err != nil {
		return nil, fmt.Errorf("bench: through the round-trip proxy: %w", err)
	}
	if e.count, err = e.open(ctx, proxied, cmgr); err != nil {
		return nil, err
	}
	// The rows the hit benchmarks find.
	db := e.direct.h.DB(ctx)
	if _, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"name": "hit"}, &Room{Capacity: 2, Note: "seed"}); err != nil {
		return nil, fmt.Errorf("bench: seed: %w", err)
	}
	if err := e.direct.hub.SetAttribute(ctx, "k", 1); err != nil {
		return nil, fmt.Errorf("bench: seed: %w", err)
	}
	if err := e.direct.hub100.SetAttributes(ctx, hundred[0]); err != nil {
		return nil, fmt.Errorf("bench: seed: %w", err)
	}
	return e, nil
}

// open connects one client set through dsn, with mgr for the SDK.
func (e *env) open(ctx context.Context, dsn string, mgr *namespace.Manager) (*clients, error) {
	c := &clients{mgr: mgr, tracer: &countTracer{}}
	var err error
	if c.h, err = mgr.Open(ctx, ns, e.keys.ReadWrite); err != nil {
		return c, fmt.Errorf("bench: open %s: %w", ns, err)
	}
	db := c.h.DB(ctx)
	if c.hub, _, err = attributehub.GetOrCreate(ctx, db, "bench", "one"); err != nil {
		return c, fmt.Errorf("bench: hub: %w", err)
	}
	if c.hub100, _, err = attributehub.GetOrCreate(ctx, db, "bench", "hundred"); err != nil {
		return c, fmt.Errorf("bench: hub: %w", err)
	}
	if c.ghub, _, err = attributehub.GetOrCreate(ctx, db, "growth", "g0"); err != nil {
		return c, fmt.Errorf("bench: hub: %w", err)
	}
	connCfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return c, err
	}
	connCfg.Tracer = c.tracer
	if c.conn, err = pgx.ConnectConfig(ctx, connCfg); err != nil {
		return c, fmt.Errorf("bench: pgx: %w", err)
	}
	poolCfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return c, err
	}
	poolCfg.MaxConns = int32(e.cfg.Pool)
	if c.pool, err = pgxpool.NewWithConfig(ctx, poolCfg); err != nil {
		return c, fmt.Errorf("bench: pgxpool: %w", err)
	}
	if c.gorm, err = gorm.Open(postgres.Open(dsn), &gorm.Config{Logger: logger.Discard}); err != nil {
		return c, fmt.Errorf("bench: gorm: %w", err)
	}
	if sqlDB, err := c.gorm.DB(); err == nil {
		sqlDB.SetMaxOpenConns(e.cfg.Pool)
		sqlDB.SetMaxIdleConns(e.cfg.Pool)
	}
	return c, nil
}

func (c *clients) close() error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.gorm != nil {
		if sqlDB, err := c.gorm.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
	}
	if c.pool != nil {
		c.pool.Close()
	}
	if c.conn != nil {
		errs = append(errs, c.conn.Close(context.Background()))
	}
	if c.h != nil {
		errs = append(errs, c.h.Close())
	}
	if c.mgr != nil {
		errs = append(errs, c.mgr.Close())
	}
	return errors.Join(errs...)
}

// close closes every client and drops the database with its roles.
func (e *env) close(ctx context.Context) error {
	errs := []error{e.direct.close(), e.count.close()}
	if e.proxy != nil {
		errs = append(errs, e.proxy.Close())
	}
	errs = append(errs, e.db.Drop(ctx))
	return errors.Join(errs...)
}

// missKey returns a key no earlier GetOrCreate used.
func (e *env) missKey() string {
	n := e.missNext.Add(1) - 1
	if n < int64(len(e.missKeys)) {
		return e.missKeys[n]
	}
	return "x" + strconv.FormatInt(n, 10)
}

// grow adds rows to the growth tables until each holds n: growthroom n
// rows, custom_attribute n rows over hubs of 100 attributes each.
func (e *env) grow(ctx context.Context, n int) error {
	if n <= e.growthRows {
		return nil
	}
	db := e.db.DB.WithContext(ctx)
	from := e.growthRows
	if err := db.Exec(`INSERT INTO `+sqlident.Quote(ns, "growthroom")+` (name, capacity, active, note)
		SELECT 'g' || i, i, true, 'growth' FROM generate_series(?::int, ?::int) i`, from, n-1).Error; err != nil {
		return fmt.Errorf("bench: grow rooms: %w", err)
	}
	// Attributes: the hub g0 exists (made by open); hubs g1.. are added.
	hubFrom, hubTo := from/100, n/100-1
	if hubFrom == 0 {
		hubFrom = 1
		if err := db.Exec(`INSERT INTO ` + sqlident.Quote(ns, "custom_attribute") + ` (hub_id, name, int_value)
			SELECT h.dbid, 'k' || lpad(j::text, 3, '0'), j FROM ` + sqlident.Quote(ns, "attribute_hub") + ` h, generate_series(0, 99) j
			WHERE h.type = 'growth' AND h.id = 'g0' ON CONFLICT DO NOTHING`).Error; err != nil {
			return fmt.Errorf("bench: grow attributes: %w", err)
		}
	}
	if hubTo >= hubFrom {
		if err := db.Exec(`WITH h AS (INSERT INTO `+sqlident.Quote(ns, "attribute_hub")+` (type, id)
			SELECT 'growth', 'g' || i FROM generate_series(?::int, ?::int) i RETURNING dbid)
			INSERT INTO `+sqlident.Quote(ns, "custom_attribute")+` (hub_id, name, int_value)
			SELECT h.dbid, 'k' || lpad(j::text, 3, '0'), j FROM h, generate_series(0, 99) j`, hubFrom, hubTo).Error; err != nil {
			return fmt.Errorf("bench: grow attributes: %w", err)
		}
	}
	for _, t := range []string{"growthroom", "custom_attribute", "attribute_hub"} {
		if err := db.Exec("VACUUM ANALYZE " + sqlident.Quote(ns, t)).Error; err != nil {
			return fmt.Errorf("bench: analyze: %w", err)
		}
	}
	e.growthRows = n
	return nil
}

// installPlugin installs n install benchmark models into namespace name.
func installPlugin(ctx context.Context, mgr *namespace.Manager, name string, n int, rwKey string) (*namespace.Installation, error) {
	p := namespace.Plugin{
		Name:       "bench_models_" + strconv.Itoa(n),
		CustomData: manifest.CustomData{Namespace: name, Access: manifest.ReadWrite},
		Models:     installModels(n),
	}
	if rwKey != "" {
		p.Secrets = map[string]string{manifest.ReadWriteAccessKey: rwKey}
	}
	return mgr.Install(ctx, p)
}
