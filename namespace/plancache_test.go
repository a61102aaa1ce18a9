package namespace_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// TestAnotherManagersInstallBreaksNoWarmConnection is hole 4 of the
// isolation review as the probe ran it: a handle's connections have run
// their statements; another Manager installs a plugin whose model adds a
// column to the same table; then 60 calls through the warm handle. None
// may fail with 0A000 "cached plan must not change result type".
func TestAnotherManagersInstallBreaksNoWarmConnection(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	const ns = "acme__warm"
	type Visit struct {
		custommodel.CustomModel
		Code  string `gorm:"uniqueIndex"`
		Count int64
	}
	first := rwPlugin("first", ns, nil)
	first.Models = []any{&Visit{}}
	inst, err := m.Install(ctx, first)
	require.NoError(t, err)
	h, err := m.Open(ctx, ns, inst.Keys.ReadWrite)
	require.NoError(t, err)

	calls := []func(i int) error{
		func(i int) error {
			_, _, err := custommodel.GetOrCreate(ctx, h.DB(ctx), custommodel.Lookup{"code": fmt.Sprintf("c%d", i%4)}, &Visit{Count: 1})
			return err
		},
		func(i int) error {
			_, _, err := custommodel.UpdateOrCreate(ctx, h.DB(ctx), custommodel.Lookup{"code": "hot"}, &Visit{Count: int64(i)})
			return err
		},
		func(int) error { var v Visit; return h.DB(ctx).Where("code = ?", "hot").First(&v).Error },
		func(int) error { var vs []Visit; return h.DB(ctx).Where("count >= ?", 0).Find(&vs).Error },
	}
	// run makes n calls from 6 goroutines at once, so that several of the
	// pool's connections run (and prepare) every statement.
	run := func(n int) []error {
		var (
			mu   sync.Mutex
			errs []error
			wg   sync.WaitGroup
		)
		for g := range 6 {
			wg.Go(func() {
				for i := g; i < n; i += 6 {
					if err := calls[i%len(calls)](i); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		return errs
	}
	_, _, err = custommodel.GetOrCreate(ctx, h.DB(ctx), custommodel.Lookup{"code": "hot"}, &Visit{})
	require.NoError(t, err)
	require.Empty(t, run(48), "warm-up")

	// Another Manager (another application instance) installs a plugin
	// whose Visit has one more field.
	m2, err := namespace.NewManager(ctx, mustDSN(t, m))
	require.NoError(t, err)
	defer m2.Close()
	{
		type Visit struct {
			custommodel.CustomModel
			Code  string `gorm:"uniqueIndex"`
			Count int64
			Notes string
		}
		second := rwPlugin("second", ns, map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite})
		second.Models = []any{&Visit{}}
		again, err := m2.Install(ctx, second)
		require.NoError(t, err)
		require.NotEmpty(t, again.DDL, "the column is added")
	}

	errs := run(60)
	assert.Empty(t, errs, "%d of 60 calls failed", len(errs))
}
