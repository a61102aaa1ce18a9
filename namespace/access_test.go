package namespace_test

import (
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// TestAccessMatrix checks every key against every operation (issue 3): each
// is allowed or refused by its level (a read key reads, a read_write key
// also writes; neither reaches another namespace or the keys), and a
// refusal changes nothing.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	// The platform's own tables: an SDK table (readable) and a private one.
	require.NoError(t, m.DB().Exec(`CREATE TABLE public.canvas_sdk_data_api_note_001 (dbid bigint PRIMARY KEY, title text);
INSERT INTO public.canvas_sdk_data_api_note_001 VALUES (1, 'visit');
CREATE TABLE public.platform_secret (v text); INSERT INTO public.platform_secret VALUES ('s3cret')`).Error)
	a := create(t, m, "acme__matrix")
	b := create(t, m, "acme__neighbour")
	require.NoError(t, m.DB().Exec(`INSERT INTO acme__matrix.attribute_hub (type, id) VALUES ('seed', '1');
INSERT INTO acme__neighbour.attribute_hub (type, id) VALUES ('secret', '1')`).Error)

	keys := []struct {
		name          string
		key           string
		open          error // nil: opens
		rInst, rwInst error
		level         manifest.Access
	}{
		{"read key", a.Read, nil, nil, namespace.ErrReadOnlyKey, manifest.Read},
		{"read_write key", a.ReadWrite, nil, nil, nil, manifest.ReadWrite},
		{"wrong key", "3a7bd3e2-360a-4d1b-9a49-000000000000", namespace.ErrKeyInvalid, namespace.ErrKeyInvalid, namespace.ErrKeyInvalid, ""},
		{"no key", "", namespace.ErrKeyMissing, namespace.ErrKeyMissing, namespace.ErrKeyMissing, ""},
		{"other namespace's key", b.ReadWrite, namespace.ErrKeyInvalid, namespace.ErrKeyInvalid, namespace.ErrKeyInvalid, ""},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			refused := func(t *testing.T, want error, op func() error) {
				t.Helper()
				before := snapshot(t, m.DB())
				err := op()
				require.Error(t, err)
				assert.ErrorIs(t, err, want)
				assert.Equal(t, before, snapshot(t, m.DB()), "a refusal changes nothing")
			}
			allowed := func(t *testing.T, op func() error) {
				t.Helper()
				assert.NoError(t, op())
			}
			check := func(t *testing.T, want error, op func() error) {
				t.Helper()
				if want == nil {
					allowed(t, op)
				} else {
					refused(t, want, op)
				}
			}

			t.Run("install read", func(t *testing.T) {
				check(t, k.rInst, func() error {
					_, err := m.Install(ctx, readPlugin("reader", "acme__matrix", map[string]string{manifest.ReadAccessKey: k.key}))
					return err
				})
			})
			t.Run("install read_write", func(t *testing.T) {
				check(t, k.rwInst, func() error {
					_, err := m.Install(ctx, rwPlugin("writer", "acme__matrix", map[string]string{manifest.ReadWriteAccessKey: k.key}))
					return err
				})
			})
			var h *namespace.Handle
			t.Run("open", func(t *testing.T) {
				check(t, k.open, func() error {
					var err error
					h, err = m.Open(ctx, "acme__matrix", k.key)
					return err
				})
			})
			if k.open != nil {
				return // every data operation needs a handle
			}
			require.NotNil(t, h)
			assert.Equal(t, k.level, h.Access())
			write := error(nil)
			if k.level == manifest.Read {
				write = namespace.ErrWriteDenied
			}
			db := h.DB(ctx)
			hubs := db.Table("acme__matrix.attribute_hub")
			sqlDB, err := db.DB()
			require.NoError(t, err)

			t.Run("select", func(t *testing.T) {
				var n int64
				require.NoError(t, db.Table("acme__matrix.attribute_hub").Count(&n).Error)
				assert.GreaterOrEqual(t, n, int64(1))
			})
			t.Run("select SDK table", func(t *testing.T) {
				var title string
				require.NoError(t, db.Raw("SELECT title FROM public.canvas_sdk_data_api_note_001 WHERE dbid = 1").Scan(&title).Error)
				assert.Equal(t, "visit", title)
			})
			t.Run("insert", func(t *testing.T) {
				check(t, write, func() error {
					return hubs.Session(&gorm.Session{}).Create(map[string]any{"type": "t", "id": "insert-" + k.name}).Error
				})
			})
			t.Run("update", func(t *testing.T) {
				check(t, write, func() error {
					return db.Table("acme__matrix.attribute_hub").Where("type = ?", "seed").Update("id", "1").Error
				})
			})
			t.Run("delete", func(t *testing.T) {
				check(t, write, func() error {
					return db.Table("acme__matrix.attribute_hub").Where("type = ?", "nothing").Delete(nil).Error
				})
			})
			t.Run("raw Exec insert", func(t *testing.T) {
				check(t, write, func() error {
					return db.Exec("INSERT INTO acme__matrix.attribute_hub (type, id) VALUES ('t', $1)", "exec-"+k.name).Error
				})
			})
			t.Run("raw query insert", func(t *testing.T) {
				check(t, write, func() error {
					var id int64
					return db.Raw("INSERT INTO acme__matrix.attribute_hub (type, id) VALUES ('t', $1) RETURNING dbid", "rawq-"+k.name).Scan(&id).Error
				})
			})
			t.Run("data-modifying WITH reaches PostgreSQL", func(t *testing.T) {
				// Go lets a statement that starts with WITH through: only
				// PostgreSQL can stop it, and its error stays in the chain.
				check(t, write, func() error {
					var id int64
					err := db.Raw("WITH x AS (INSERT INTO acme__matrix.attribute_hub (type, id) VALUES ('t', $1) RETURNING dbid) SELECT dbid FROM x", "cte-"+k.name).Scan(&id).Error
					if err != nil && write != nil {
						assertPgCode(t, err, "42501")
					}
					return err
				})
			})
			t.Run("RESET ROLE then insert", func(t *testing.T) {
				check(t, pgDenied(write), func() error {
					return execSimple(sqlDB, "RESET ROLE; INSERT INTO acme__matrix.attribute_hub (type, id) VALUES ('t', 'reset-"+k.name+"')")
				})
			})
			t.Run("SET ROLE to the writer", func(t *testing.T) {
				refused(t, errPgDenied, func() error {
					return execSimple(sqlDB, "SET ROLE postgres")
				})
			})
			t.Run("select from another namespace", func(t *testing.T) {
				refused(t, errPgDenied, func() error {
					return execSimple(sqlDB, "SELECT * FROM acme__neighbour.attribute_hub")
				})
			})
			t.Run("select namespace_auth", func(t *testing.T) {
				refused(t, errPgDenied, func() error {
					return execSimple(sqlDB, "SELECT key_hash FROM acme__matrix.namespace_auth")
				})
			})
			t.Run("select platform table", func(t *testing.T) {
				refused(t, errPgDenied, func() error {
					return execSimple(sqlDB, "SELECT * FROM public.platform_secret")
				})
			})
			t.Run("write SDK table", func(t *testing.T) {
				refused(t, errPgDenied, func() error {
					return execSimple(sqlDB, "UPDATE public.canvas_sdk_data_api_note_001 SET title = 'x'")
				})
			})
			t.Run("create table", func(t *testing.T) {
				refused(t, errPgDenied, func() error {
					return execSimple(sqlDB, "CREATE TABLE acme__matrix.sneaky (x int)")
				})
			})
		})
	}
}

func TestOpenReusesPoolPerLevel(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__pool")
	h1, err := m.Open(ctx, "acme__pool", keys.Read)
	require.NoError(t, err)
	h2, err := m.Open(ctx, "acme__pool", keys.Read)
	require.NoError(t, err)
	h3, err := m.Open(ctx, "acme__pool", keys.ReadWrite)
	require.NoError(t, err)
	p1, _ := h1.DB(ctx).DB()
	p2, _ := h2.DB(ctx).DB()
	p3, _ := h3.DB(ctx).DB()
	assert.Same(t, p1, p2)
	assert.NotSame(t, p1, p3)

	require.NoError(t, h1.Close())
	require.NoError(t, h1.Close(), "Close is idempotent")
	assert.ErrorIs(t, h1.DB(ctx).Exec("SELECT 1").Error, namespace.ErrHandleClosed)
	var one int
	require.NoError(t, h2.DB(ctx).Raw("SELECT 1").Scan(&one).Error, "the pool outlives one handle")
}

func TestReadHandleRefusesBeforeRoundTrip(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__early")
	h, err := m.Open(ctx, "acme__early", keys.Read)
	require.NoError(t, err)
	sqlDB, err := h.DB(ctx).DB()
	require.NoError(t, err)
	before := sqlDB.Stats()
	err = h.DB(ctx).Exec("INSERT INTO acme__early.attribute_hub (type, id) VALUES ('a', 'b')").Error
	require.ErrorIs(t, err, namespace.ErrWriteDenied)
	assert.Contains(t, err.Error(), `read access to custom data namespace "acme__early"`)
	var pgErr *pgconn.PgError
	assert.False(t, errors.As(err, &pgErr), "refused by Go, PostgreSQL never saw it")
	assert.Equal(t, before.OpenConnections, sqlDB.Stats().OpenConnections)
}

func TestTwoDatabasesOnOneServerDoNotShareRoles(t *testing.T) {
	t.Parallel()
	m1, _ := newManager(t)
	m2, _ := newManager(t)
	k1 := create(t, m1, "acme__twin")
	k2 := create(t, m2, "acme__twin")
	_, err := m1.Open(ctx, "acme__twin", k2.ReadWrite)
	assert.ErrorIs(t, err, namespace.ErrKeyInvalid)
	h1, err := m1.Open(ctx, "acme__twin", k1.ReadWrite)
	require.NoError(t, err)
	h2, err := m2.Open(ctx, "acme__twin", k2.ReadWrite)
	require.NoError(t, err)
	require.NoError(t, h1.DB(ctx).Exec("INSERT INTO acme__twin.attribute_hub (type, id) VALUES ('db', '1')").Error)
	var n int64
	require.NoError(t, h2.DB(ctx).Table("acme__twin.attribute_hub").Count(&n).Error)
	assert.Zero(t, n)
	var u1, u2 string
	require.NoError(t, h1.DB(ctx).Raw("SELECT current_user").Scan(&u1).Error)
	require.NoError(t, h2.DB(ctx).Raw("SELECT current_user").Scan(&u2).Error)
	assert.NotEqual(t, u1, u2)
}

// errPgDenied stands for PostgreSQL's insufficient_privilege (42501).
var errPgDenied = errors.New("postgres 42501")

func pgDenied(want error) error {
	if want == nil {
		return nil
	}
	return errPgDenied
}

// execSimple runs sql through database/sql, bypassing every GORM callback,
// and maps PostgreSQL's insufficient_privilege to errPgDenied.
func execSimple(db *sql.DB, q string) error {
	_, err := db.ExecContext(ctx, q)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" {
		return errors.Join(errPgDenied, err)
	}
	return err
}

func assertPgCode(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if assert.True(t, errors.As(err, &pgErr), "the driver's error stays in the chain: %v", err) {
		assert.Equal(t, code, pgErr.Code)
	}
}

// TestConcurrentOpensShareOnePool: the first Open of a key opens the pool,
// concurrent ones wait for it.
func TestConcurrentOpensShareOnePool(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__crowd")
	const n = 16
	pools := make([]*sql.DB, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			h, err := m.Open(ctx, "acme__crowd", keys.Read)
			if assert.NoError(t, err) {
				pools[i], err = h.DB(ctx).DB()
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		assert.Same(t, pools[0], pools[i])
	}
}

// TestOldHandleCloseSparesTheNewPool: a handle whose pool RotateKeys retired
// must not, when closed, release the pool opened after the rotation.
func TestOldHandleCloseSparesTheNewPool(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	create(t, m, "acme__turnover")
	keys, err := m.RotateKeys(ctx, "acme__turnover")
	require.NoError(t, err)
	old, err := m.Open(ctx, "acme__turnover", keys.Read)
	require.NoError(t, err)
	fresh, err := m.RotateKeys(ctx, "acme__turnover")
	require.NoError(t, err)
	h, err := m.Open(ctx, "acme__turnover", fresh.Read)
	require.NoError(t, err)
	require.NoError(t, old.Close())
	var one int
	require.NoError(t, h.DB(ctx).Raw("SELECT 1").Scan(&one).Error, "the new handle's pool is still open")
	assert.ErrorIs(t, old.DB(ctx).Raw("SELECT 1").Scan(&one).Error, namespace.ErrHandleClosed)
}

func TestManagerCloseClosesHandles(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	keys := create(t, m, "acme__closing")
	h, err := m.Open(ctx, "acme__closing", keys.ReadWrite)
	require.NoError(t, err)
	require.NoError(t, m.Close())
	assert.ErrorIs(t, h.DB(ctx).Exec("SELECT 1").Error, namespace.ErrHandleClosed)
	_, err = m.Open(ctx, "acme__closing", keys.ReadWrite)
	assert.Error(t, err)
	assert.NoError(t, h.Close())
}
