package customdatatest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/customdatatest"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func TestMain(m *testing.M) { customdatatest.Main(m) }

func TestNewGivesEachTestItsOwnDatabase(t *testing.T) {
	t.Parallel()
	a, b := customdatatest.New(t), customdatatest.New(t)
	assert.NotEqual(t, a.Name, b.Name)
	assert.NotEqual(t, a.DSN, b.DSN)
	var name string
	require.NoError(t, a.DB.Raw("SELECT current_database()").Scan(&name).Error)
	assert.Equal(t, a.Name, name)
	require.NoError(t, a.DB.Exec("CREATE TABLE only_in_a (x int)").Error)
	var n int
	require.NoError(t, b.DB.Raw("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n).Error)
	assert.Zero(t, n)
}

func TestNewWithConfigClonesTemplate(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	version := fmt.Sprintf("customdatatest-%s-%d", t.Name(), time.Now().UnixNano())
	// Registered first, so it runs after the databases are dropped.
	t.Cleanup(func() {
		assert.NoError(t, testdb.DropTemplate(context.Background(), testdb.Config{TemplateVersion: version}))
	})
	cfg := customdatatest.Config{
		TemplateVersion: version,
		TemplateInit: func(ctx context.Context, db *gorm.DB) error {
			calls.Add(1)
			return db.Exec("CREATE TABLE IF NOT EXISTS seeded (x int); INSERT INTO seeded VALUES (7)").Error
		},
	}
	for range 3 {
		d := customdatatest.NewWithConfig(t, cfg)
		var xs []int
		require.NoError(t, d.DB.Raw("SELECT x FROM seeded").Scan(&xs).Error)
		assert.Equal(t, []int{7}, xs)
	}
	assert.Equal(t, int32(1), calls.Load(), "a new template is built once, then cloned")
}

// failingTB is a test that has failed, so its database must be kept.
type failingTB struct {
	*testing.T
	cleanups []func()
	logs     []string
}

func (f *failingTB) Failed() bool      { return true }
func (f *failingTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *failingTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func TestFailedTestKeepsDatabase(t *testing.T) {
	t.Parallel()
	ft := &failingTB{T: t}
	d := customdatatest.New(ft)
	for i := len(ft.cleanups) - 1; i >= 0; i-- {
		ft.cleanups[i]()
	}
	require.NotEmpty(t, ft.logs)
	assert.Contains(t, ft.logs[0], "kept")
	assert.Contains(t, ft.logs[0], d.Name, "the log says where to find the kept database")

	ctx := context.Background()
	probe := customdatatest.New(t)
	var n int
	require.NoError(t, probe.DB.Raw("SELECT count(*) FROM pg_database WHERE datname = ?", d.Name).Scan(&n).Error)
	assert.Equal(t, 1, n, "a failed test's database is kept")
	require.NoError(t, d.Drop(ctx))
	require.NoError(t, probe.DB.Raw("SELECT count(*) FROM pg_database WHERE datname = ?", d.Name).Scan(&n).Error)
	assert.Zero(t, n)
}

func TestPassedTestDropsDatabase(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("passes", func(t *testing.T) {
		name = customdatatest.New(t).Name
	})
	require.NotEmpty(t, name)
	probe := customdatatest.New(t)
	var n int
	require.NoError(t, probe.DB.Raw("SELECT count(*) FROM pg_database WHERE datname = ?", name).Scan(&n).Error)
	assert.Zero(t, n, "a passed test's database is dropped when it ends")
}

func TestServerDSN(t *testing.T) {
	t.Parallel()
	dsn, source, err := customdatatest.ServerDSN(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, dsn)
	assert.NotEmpty(t, source)
}
