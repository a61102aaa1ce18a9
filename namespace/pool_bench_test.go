//go:build unix

package namespace

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// BenchmarkPoolAcquire measures what a handle's database/sql pool and the
// session guard cost the hot paths, which run on the pgx connection under
// the pool (pgxconn.With): a trivial prepared SELECT through pgxconn.With
// on a handle's pool (with the guard, and without it), beside the same
// SELECT on a pgxpool.Pool of the same size, at 1, 16 and 64 goroutines.
func BenchmarkPoolAcquire(b *testing.B) {
	d := testdb.New(b)
	ctx := context.Background()
	const size = 10
	const ns = "acme__bench_pool"
	type variant struct {
		name string
		run  func(ctx context.Context) error
	}
	var variants []variant
	for _, guard := range []bool{true, false} {
		m, err := NewManagerWithConfig(ctx, Config{DSN: d.DSN, MaxConnsPerPool: size})
		require.NoError(b, err)
		b.Cleanup(func() { _ = m.Close() })
		m.noSessionGuard = !guard
		inst, err := m.Install(ctx, Plugin{Name: "bench", CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite},
			Secrets: map[string]string{manifest.ReadWriteAccessKey: poolBenchKey}})
		require.NoError(b, err)
		if inst.Created {
			poolBenchKey = inst.Keys.ReadWrite
		}
		h, err := m.Open(ctx, ns, poolBenchKey)
		require.NoError(b, err)
		b.Cleanup(func() { _ = h.Close() })
		sqlDB, err := h.DB(ctx).DB()
		require.NoError(b, err)
		name := "handle_pool"
		if !guard {
			name = "handle_pool_no_guard"
		}
		variants = append(variants, variant{name, func(ctx context.Context) error {
			ok, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
				var v int
				return c.QueryRow(ctx, "SELECT $1::int", 1).Scan(&v)
			})
			if !ok {
				return fmt.Errorf("not a pgx pool")
			}
			return err
		}})
	}
	cfg, err := pgxpool.ParseConfig(d.DSN)
	require.NoError(b, err)
	cfg.MaxConns = size
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	variants = append(variants, variant{"pgxpool", func(ctx context.Context) error {
		var v int
		return pool.QueryRow(ctx, "SELECT $1::int", 1).Scan(&v)
	}})

	for _, g := range []int{1, 16, 64} {
		for _, v := range variants {
			b.Run(fmt.Sprintf("%s/goroutines=%d", v.name, g), func(b *testing.B) {
				b.ReportAllocs()
				var wg sync.WaitGroup
				errs := make(chan error, g)
				per := (b.N + g - 1) / g
				cpu0 := processCPU()
				b.ResetTimer()
				for range g {
					wg.Go(func() {
						for range per {
							if err := v.run(ctx); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(per*g), "cpu-µs/op")
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
			})
		}
	}
}

var poolBenchKey string

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
