package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// Config shapes a run.
type Config struct {
	// Rounds is how many times each operation's variants run, in turn.
	Rounds int
	// RoundTime is how long each variant runs per round (installs that take
	// longer run once per round).
	RoundTime time.Duration
	// SingleRounds caps the rounds of the operations that run once per
	// round (first installs, which take seconds).
	SingleRounds int
	// CountOps is how many calls the round-trip count averages over.
	CountOps int
	// Pool is the size of the SDK handle's pool and of the pgxpool.
	Pool int
	// Concurrency lists the goroutine counts of the concurrency rows.
	Concurrency []int
	// GrowthRows lists the table sizes of the growth rows, ascending.
	GrowthRows []int
	// InstallModels lists the model counts of the install growth rows.
	InstallModels []int
	// SynchronousCommit is the bench database's synchronous_commit: "on"
	// or "off".
	SynchronousCommit string
	// Only, if set, keeps the operations whose full name it matches.
	Only *regexp.Regexp
	// Variants, if set, keeps the variants whose name it matches (with
	// -cpuprofile: a profile of the SDK alone).
	Variants *regexp.Regexp
	// CPUProfile, if set, is where a CPU profile of the measured rounds is
	// written.
	CPUProfile string
	// PinCPU is the CPU the bench keeps itself on (PinClient) once the
	// server is up (a throwaway cluster the bench starts must not inherit
	// the affinity); negative: the bench is not pinned.
	PinCPU int
	// Log receives progress lines; nil is silent.
	Log io.Writer
}

// QuickConfig is a smoke run: every row, a few milliseconds each.
func QuickConfig() Config {
	return Config{Rounds: 2, RoundTime: 3 * time.Millisecond, SingleRounds: 1, CountOps: 3, Pool: 10,
		Concurrency: []int{1, 4, 16, 64}, GrowthRows: []int{1000}, InstallModels: []int{1, 10},
		SynchronousCommit: "on", PinCPU: -1}
}

// FullConfig is the run docs/benchmarks.md reports.
func FullConfig() Config {
	return Config{Rounds: 21, RoundTime: 100 * time.Millisecond, SingleRounds: 5, CountOps: 20, Pool: 10,
		Concurrency: []int{1, 4, 16, 64}, GrowthRows: []int{1000, 100000, 1000000}, InstallModels: []int{1, 10, 100},
		SynchronousCommit: "on", PinCPU: -1}
}

func (c Config) missKeys() int {
	// Generously more than the misses a run makes (a few thousand per
	// second of GetOrCreate miss).
	return int(min(2_000_000, 20_000+int64(c.Rounds)*int64(c.RoundTime/time.Millisecond)*60))
}

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Run makes a database, runs every operation's variants in rounds and
// returns the report; the database is dropped at the end.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	if cfg.Rounds < 1 || cfg.RoundTime <= 0 || cfg.CountOps < 1 || cfg.Pool < 1 {
		return nil, errors.New("bench: rounds, round time, count ops and pool must be positive")
	}
	if cfg.SingleRounds < 1 {
		cfg.SingleRounds = cfg.Rounds
	}
	if cfg.SynchronousCommit != "on" && cfg.SynchronousCommit != "off" {
		return nil, fmt.Errorf("bench: synchronous_commit %q: want on or off", cfg.SynchronousCommit)
	}
	for _, n := range cfg.Concurrency {
		if n < 1 || n > 64 {
			return nil, fmt.Errorf("bench: concurrency %d: want 1 to 64", n)
		}
	}
	if !slices.IsSorted(cfg.GrowthRows) {
		return nil, errors.New("bench: growth sizes must ascend")
	}
	for _, n := range cfg.InstallModels {
		if n < 1 || n > 100 {
			return nil, fmt.Errorf("bench: install of %d models: want 1 to 100", n)
		}
	}
	start := time.Now()
	rep = &Report{Started: start.UTC(), Machine: machine(), Config: reportConfig(cfg), LoadStart: loadAverage()}
	_, rep.Server.Source, _ = testdb.ServerDSN(ctx)
	cfg.logf("bench: making the database (%s)", rep.Server.Source)
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, e.close(context.WithoutCancel(ctx))) }()
	rep.Machine.ClientCPU = "any"
	if cfg.PinCPU >= 0 {
		if err := PinClient(cfg.PinCPU); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		rep.Machine.ClientCPU = fmt.Sprintf("CPU %d", cfg.PinCPU)
	}
	if err := e.db.DB.WithContext(ctx).Raw(`SELECT current_setting('server_version'), current_setting('fsync'),
		(SELECT setting FROM pg_settings WHERE name = 'synchronous_commit')`).Row().Scan(&rep.Server.Version, &rep.Server.Fsync, &rep.Server.ServerSynchronousCommit); err != nil {
		return nil, fmt.Errorf("bench: server settings: %w", err)
	}
	if err := e.direct.conn.QueryRow(ctx, "SELECT current_setting('synchronous_commit')").Scan(&rep.Server.SynchronousCommit); err != nil {
		return nil, fmt.Errorf("bench: server settings: %w", err)
	}

	ops := append(hotOps(), handleOps(e)...)
	ops = append(ops, concurrencyOps(cfg.Concurrency)...)
	ops = append(ops, growthOps(cfg.GrowthRows, cfg.InstallModels)...)
	ops = append(ops, idleOps(cfg)...)

	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, op := range ops {
		if cfg.Only != nil && !cfg.Only.MatchString(op.fullName()) {
			continue
		}
		if cfg.Variants != nil {
			op.variants = slices.DeleteFunc(slices.Clone(op.variants), func(v variant) bool { return !cfg.Variants.MatchString(v.name) })
			if len(op.variants) == 0 {
				continue
			}
		}
		cfg.logf("bench: %s", op.fullName())
		if op.setup != nil {
			if err := op.setup(ctx, e); err != nil {
				return nil, err
			}
		}
		if err := settle(ctx, e); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", op.fullName(), err)
		}
		res, err := runOp(ctx, e, op)
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", op.fullName(), err)
		}
		rep.Results = append(rep.Results, res...)
	}
	rep.Load = loadAverage()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// settle gives each operation the same start, whatever the one before it
// left: CHECKPOINT writes out the pages earlier operations dirtied, so
// that the writes of a checkpoint do not fall inside the measured rounds
// of the next. It needs a superuser or pg_checkpoint; without the
// privilege, it is skipped.
//
// The bench does not VACUUM between operations: on a table that is still
// small, it makes the planner pick a sequential scan for the lookup, which
// a prepared statement's generic plan then keeps while the table grows (the
// GetOrCreate miss row would measure that plan, not the SDK).
func settle(ctx context.Context, e *env) error {
	if _, err := e.direct.conn.Exec(ctx, "CHECKPOINT"); err != nil {
		if pg := (*pgconn.PgError)(nil); errors.As(err, &pg) && pg.Code == "42501" {
			return nil
		}
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// fullName names the operation with its goroutines, rows or models.
func (op operation) fullName() string {
	switch {
	case op.group == "concurrency":
		return fmt.Sprintf("%s, %d goroutines", op.name, op.workers)
	case op.rows > 0:
		return fmt.Sprintf("%s, %s rows", op.name, shortCount(op.rows))
	}
	return op.name
}

func shortCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// sample is one variant's figures in one round.
type sample struct {
	ops     int
	elapsed time.Duration
	mallocs uint64
	cpu     time.Duration // the process's CPU time over the round
}

func (s sample) rate() float64 { return float64(s.ops) / s.elapsed.Seconds() }

// latencyCap is how many latencies a worker keeps per round.
const latencyCap = 1 << 16

// runOp warms each variant up, runs the rounds (variants in a rotating
// order), then counts round trips through the proxy.
func runOp(ctx context.Context, e *env, op operation) ([]Result, error) {
	workers := max(op.workers, 1)
	bufs := make([][]time.Duration, workers)
	for w := range bufs {
		bufs[w] = make([]time.Duration, 0, latencyCap)
	}
	nv := len(op.variants)
	samples := make([][]sample, nv)
	lats := make([][]time.Duration, nv)
	calls := make([]int, nv) // per variant, for the op's i argument
	if !op.single {
		for v, vr := range op.variants {
			if _, err := measure(ctx, e, e.direct, vr.fn, workers, e.cfg.RoundTime, &calls[v], bufs); err != nil {
				return nil, fmt.Errorf("%s (warm-up): %w", vr.name, err)
			}
		}
	}
	rounds := e.cfg.Rounds
	if op.single {
		rounds = max(1, min(rounds, e.cfg.SingleRounds))
	}
	for r := range rounds {
		for k := range nv {
			v := (k + r) % nv
			vr := op.variants[v]
			d := e.cfg.RoundTime
			if op.single {
				d = 0 // once
			}
			s, err := measure(ctx, e, e.direct, vr.fn, workers, d, &calls[v], bufs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", vr.name, err)
			}
			samples[v] = append(samples[v], s)
			for _, b := range bufs {
				lats[v] = append(lats[v], b...)
			}
		}
	}
	out := make([]Result, nv)
	for v, vr := range op.variants {
		trips, err := countTrips(ctx, e, op, vr.fn, workers, &calls[v])
		if err != nil {
			return nil, fmt.Errorf("%s (round trips): %w", vr.name, err)
		}
		out[v] = summarize(op, vr.name, samples[v], lats[v])
		out[v].RoundTripsPerOp = trips
	}
	// Ratios: per round, SDK over the baseline; the median of rounds.
	sdk := slices.IndexFunc(op.variants, func(v variant) bool { return v.name == vSDK })
	if sdk >= 0 {
		for v, vr := range op.variants {
			if v == sdk {
				continue
			}
			ratios := make([]float64, len(samples[sdk]))
			for r := range ratios {
				ratios[r] = samples[sdk][r].rate() / samples[v][r].rate()
			}
			m := median(ratios)
			switch vr.name {
			case vPgx, vPgxpool:
				out[sdk].VsPgx = m
			case vGORM:
				out[sdk].VsGORM = m
			case vPgxSelect:
				out[sdk].VsPgxSelect = m
			}
		}
	}
	return out, nil
}

// measure runs fn on workers goroutines for d (d == 0: one call per
// worker) and returns the calls, the time and the allocations; each
// worker's latencies are left in bufs[w].
func measure(ctx context.Context, e *env, c *clients, fn opFunc, workers int, d time.Duration, calls *int, bufs [][]time.Duration) (sample, error) {
	for w := range bufs {
		bufs[w] = bufs[w][:0]
	}
	base := *calls
	counts := make([]int, workers)
	errs := make([]error, workers)
	var deadline time.Time
	work := func(w int) {
		buf := bufs[w]
		n := 0
		for {
			s := time.Now()
			if err := fn(ctx, e, c, w, base+n*workers+w); err != nil {
				errs[w] = err
				break
			}
			end := time.Now()
			if len(buf) < cap(buf) {
				buf = append(buf, end.Sub(s))
			}
			n++
			if d == 0 || !end.Before(deadline) {
				break
			}
		}
		bufs[w], counts[w] = buf, n
	}
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	cpu0 := processCPU()
	t0 := time.Now()
	deadline = t0.Add(d)
	if workers == 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() { work(w) })
		}
		wg.Wait()
	}
	elapsed := time.Since(t0)
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&ms1)
	total := 0
	for _, n := range counts {
		total += n
	}
	*calls += total + workers
	if err := errors.Join(errs...); err != nil {
		return sample{}, err
	}
	return sample{ops: total, elapsed: elapsed, mallocs: ms1.Mallocs - ms0.Mallocs, cpu: cpu}, nil
}

// countTrips runs fn through the proxied clients and returns the round
// trips per call. Three calls per worker first warm the proxied connections
// (statement caches, pool) up, except for single operations (first
// installs), which have nothing to warm.
func countTrips(ctx context.Context, e *env, op operation, fn opFunc, workers int, calls *int) (float64, error) {
	per := e.cfg.CountOps
	if op.single {
		per = 1
	} else {
		for range 3 {
			if err := runCalls(ctx, e, fn, workers, 1, calls); err != nil {
				return 0, err
			}
		}
	}
	t0 := e.proxy.Trips()
	if err := runCalls(ctx, e, fn, workers, per, calls); err != nil {
		return 0, err
	}
	return float64(e.proxy.Trips()-t0) / float64(per*workers), nil
}

// runCalls makes n calls of fn on each of workers goroutines, through the
// proxied clients.
func runCalls(ctx context.Context, e *env, fn opFunc, workers, n int, calls *int) error {
	base := *calls
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range n {
				if err := fn(ctx, e, e.count, w, base+i*workers+w); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	*calls += n * workers
	return errors.Join(errs...)
}

// summarize turns a variant's rounds into its row.
func summarize(op operation, name string, samples []sample, lats []time.Duration) Result {
	rates := make([]float64, len(samples))
	ops, mallocs, cpu := 0, uint64(0), time.Duration(0)
	for i, s := range samples {
		rates[i] = s.rate()
		ops += s.ops
		mallocs += s.mallocs
		cpu += s.cpu
	}
	slices.Sort(lats)
	r := Result{
		Operation: op.name, Group: op.group, Goroutines: max(op.workers, 1), Rows: op.rows, Models: op.models,
		Name: op.fullName(), Variant: name,
		OpsPerSec: median(rates), OpsPerSecMin: slices.Min(rates), OpsPerSecMax: slices.Max(rates),
		P50Micros: micros(percentile(lats, 0.50)), P99Micros: micros(percentile(lats, 0.99)),
		AllocsPerOp: float64(mallocs) / float64(ops), CPUMicrosPerOp: micros(cpu / time.Duration(ops)), Calls: ops,
	}
	return r
}

func micros(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)*10) / 10 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// loadAverage returns /proc/loadavg's first three fields, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
