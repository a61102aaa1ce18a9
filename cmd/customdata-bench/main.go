// Command customdata-bench measures the SDK's hot paths against hand-written
// pgx and plain GORM, side by side in one process. It is a developer tool,
// not part of the SDK: it uses the test kit's database resolution and makes
// (and at the end drops) a database of its own.
//
// Usage:
//
//	go run ./cmd/customdata-bench [-quick] [-json] [-synchronous-commit=off]
//		[-only REGEXP] [-variant REGEXP] [-cpuprofile FILE] [-rounds N] [-round-time D]
//		[-pool N] [-growth N,...] [-install-models N,...] [-q]
//	go run ./cmd/customdata-bench -render REPORT.json
//	go run ./cmd/customdata-bench -statements
//
// The server is found as the tests find it: DATABASE_URL, else a throwaway
// cluster from the local PostgreSQL binaries, else localhost:5432. The
// bench database gets synchronous_commit on (default) or off for every
// session (ALTER DATABASE ... SET), which shows client costs that commit
// waits otherwise hide.
//
// Every operation's variants run in rounds, in a rotating order, in one
// process: sdk (the SDK through a namespace handle, as plugin code calls
// it), pgx (the best hand-written single statement, prepared once per
// connection by pgx's statement cache, on a pgx.Conn; pgxpool for the
// concurrency rows, at the handle pool's size) and gorm (what a plain GORM
// user writes: FirstOrCreate, FirstOrCreate with Assign, an ON CONFLICT
// upsert of a row per attribute, default settings). GetOrCreate hit also
// runs pgx-select, a plain prepared SELECT, for reference.
//
// The table gives, per variant: calls per second (median of the rounds,
// and the slowest and fastest round); p50 and p99 latency over every timed
// call; the process's CPU time per call (user and system, from getrusage,
// GC included: the client's cost, steadier than the rates on a busy
// machine); heap allocations per call (runtime.MemStats.Mallocs over the
// round, all goroutines); round trips per call; and on sdk rows the median
// over rounds of the SDK's rate over the baseline's in the same round.
//
// Round trips are counted by a TCP proxy inside this process that forwards
// a second set of clients (a second namespace.Manager, pgx and GORM, each
// through the proxy) to the server: one round trip each time a client sends
// after having received. The SDK's pools offer no tracer hook, so the proxy
// counts every variant alike; the timed clients connect directly, never
// through it.
//
// Operations: GetOrCreate hit and miss, UpdateOrCreate, SetAttribute,
// GetAttribute, SetAttributes of 100, Attributes of 100; Open of a cached
// handle; a re-install with 20 unchanged models and a first install of 20
// models (a new namespace each time); GetOrCreate hit and SetAttribute
// with 1, 4, 16 and 64 goroutines; GetOrCreate hit and GetAttribute with
// the tables grown to 1k, 100k and 1M rows; first install and re-install
// with 1, 10 and 100 models.
//
// -only and -variant pick operations (by the table's operation column) and
// variants; with -cpuprofile they give a profile of one path, for example
// -only '^GetOrCreate hit$' -variant '^sdk$'.
//
// -statements lists, by shape, the statements the Manager sends for a first
// install of 20 models, a re-install of them unchanged and an Open of a
// cached handle (as its GORM logger sees them): what the round trips of
// those rows are spent on.
//
// -quick is a smoke run of every row (a few milliseconds each, growth to
// 1k rows, installs of 1 and 10 models); go test runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/canvas-sdk-go/customdata/internal/bench"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	// Stop the throwaway cluster, if this process started one.
	if err := testdb.Shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "customdata-bench: %v\n", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("customdata-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "a smoke run: every row, a few milliseconds each")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	syncCommit := fs.String("synchronous-commit", "on", "synchronous_commit of the bench database: on or off")
	rounds := fs.Int("rounds", 0, "rounds per operation (default 21; -quick 2); first installs run at most 5")
	roundTime := fs.Duration("round-time", 0, "time per variant per round (default 100ms; -quick 3ms)")
	pool := fs.Int("pool", 10, "connections of the SDK handle pool and of the pgxpool")
	growth := fs.String("growth", "", "comma-separated growth table sizes (default 1000,100000,1000000; -quick 1000)")
	models := fs.String("install-models", "", "comma-separated install model counts (default 1,10,100; -quick 1,10)")
	only := fs.String("only", "", "run only the operations whose name matches this regular expression")
	variants := fs.String("variant", "", "run only the variants (sdk, pgx, pgx-select, gorm, pgxpool) whose name matches this regular expression")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured rounds to this file")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	statements := fs.Bool("statements", false, "list the statements of a first install, a re-install and a cached Open by shape, and run nothing else")
	render := fs.String("render", "", "print the table of a report saved with -json, and run nothing")
	clientCPU := fs.String("client-cpu", "auto", "keep the bench on one CPU, with GOMAXPROCS 1, so that its threads do not move onto the server's cores: a CPU number, auto (the last CPU, on Linux with more than one; not with -quick) or none")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "customdata-bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *render != "" {
		return renderReport(*render, stdout, stderr)
	}
	if *statements {
		if err := bench.Statements(ctx, stdout); err != nil {
			fmt.Fprintf(stderr, "customdata-bench: %v\n", err)
			return 1
		}
		return 0
	}
	cfg := bench.FullConfig()
	if *quick {
		cfg = bench.QuickConfig()
	}
	cfg.SynchronousCommit = *syncCommit
	cfg.Pool = *pool
	cfg.CPUProfile = *cpuProfile
	if *rounds > 0 {
		cfg.Rounds = *rounds
	}
	if *roundTime > 0 {
		cfg.RoundTime = *roundTime
	}
	var err error
	if *growth != "" {
		if cfg.GrowthRows, err = ints(*growth); err != nil {
			fmt.Fprintf(stderr, "customdata-bench: -growth: %v\n", err)
			return 2
		}
	}
	if *models != "" {
		if cfg.InstallModels, err = ints(*models); err != nil {
			fmt.Fprintf(stderr, "customdata-bench: -install-models: %v\n", err)
			return 2
		}
	}
	if *only != "" {
		if cfg.Only, err = regexp.Compile(*only); err != nil {
			fmt.Fprintf(stderr, "customdata-bench: -only: %v\n", err)
			return 2
		}
	}
	if *variants != "" {
		if cfg.Variants, err = regexp.Compile(*variants); err != nil {
			fmt.Fprintf(stderr, "customdata-bench: -variant: %v\n", err)
			return 2
		}
	}
	if !*quiet {
		cfg.Log = stderr
	}
	if cfg.PinCPU, err = pinCPU(*clientCPU, *quick); err != nil {
		fmt.Fprintf(stderr, "customdata-bench: -client-cpu: %v\n", err)
		return 2
	}
	start := time.Now()
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "customdata-bench: %v\n", err)
		return 1
	}
	if *asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "customdata-bench: %v\n", err)
		return 1
	}
	if !*quiet {
		fmt.Fprintf(stderr, "customdata-bench: done in %s\n", time.Since(start).Round(time.Second))
	}
	return 0
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// renderReport prints the table of a report saved with -json.
func renderReport(path string, stdout, stderr io.Writer) int {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "customdata-bench: %v\n", err)
		return 1
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		fmt.Fprintf(stderr, "customdata-bench: %s: %v\n", path, err)
		return 1
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "customdata-bench: %v\n", err)
		return 1
	}
	return 0
}

// pinCPU reads -client-cpu: the CPU to keep the bench on, or -1 for none.
func pinCPU(flag string, quick bool) (int, error) {
	switch flag {
	case "none":
		return -1, nil
	case "auto":
		c, ok := bench.PinnableCPU()
		if !ok || quick {
			return -1, nil
		}
		return c, nil
	}
	c, err := strconv.Atoi(flag)
	if err != nil || c < 0 {
		return 0, fmt.Errorf("%q: want a CPU number, auto or none", flag)
	}
	if !bench.CPUAllowed(c) {
		return 0, fmt.Errorf("CPU %d is not one this process may run on (pinning needs Linux)", c)
	}
	return c, nil
}
