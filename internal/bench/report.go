package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a run's outcome: where it ran and every row.
type Report struct {
	Started time.Time    `json:"started"`
	Seconds float64      `json:"seconds"`
	Machine Machine      `json:"machine"`
	Server  Server       `json:"server"`
	Config  ReportConfig `json:"config"`
	// LoadStart and Load are /proc/loadavg's 1, 5 and 15 minute load at
	// the start and at the end ("" where there is no /proc/loadavg).
	LoadStart string   `json:"load_start"`
	Load      string   `json:"load"`
	Results   []Result `json:"results"`
}

// Machine describes the client machine.
type Machine struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	GoVersion string `json:"go_version"`
	// ClientCPU says where the bench ran: "CPU n" when it was pinned to
	// one CPU (PinClient), else "any".
	ClientCPU string `json:"client_cpu,omitempty"`
}

// Server describes the PostgreSQL server.
type Server struct {
	Source  string `json:"source"`
	Version string `json:"version"`
	Fsync   string `json:"fsync"`
	// SynchronousCommit is the bench sessions' setting; the server's own
	// default is ServerSynchronousCommit.
	SynchronousCommit       string `json:"synchronous_commit"`
	ServerSynchronousCommit string `json:"server_synchronous_commit"`
}

// ReportConfig is the run's configuration as reported.
type ReportConfig struct {
	Rounds        int     `json:"rounds"`
	SingleRounds  int     `json:"single_rounds"`
	RoundSeconds  float64 `json:"round_seconds"`
	CountOps      int     `json:"count_ops"`
	Pool          int     `json:"pool"`
	Concurrency   []int   `json:"concurrency"`
	GrowthRows    []int   `json:"growth_rows"`
	InstallModels []int   `json:"install_models"`
	Only          string  `json:"only,omitempty"`
	Variants      string  `json:"variants,omitempty"`
}

func reportConfig(c Config) ReportConfig {
	r := ReportConfig{Rounds: c.Rounds, SingleRounds: c.SingleRounds, RoundSeconds: c.RoundTime.Seconds(), CountOps: c.CountOps, Pool: c.Pool,
		Concurrency: c.Concurrency, GrowthRows: c.GrowthRows, InstallModels: c.InstallModels}
	if c.Only != nil {
		r.Only = c.Only.String()
	}
	if c.Variants != nil {
		r.Variants = c.Variants.String()
	}
	return r
}

// Result is one variant of one operation.
type Result struct {
	// Name is the row's operation with its goroutines or rows
	// ("SetAttribute, 64 goroutines", "GetAttribute, 100k rows").
	Name       string `json:"name"`
	Operation  string `json:"operation"`
	Group      string `json:"group"` // hot, handle, concurrency, growth
	Goroutines int    `json:"goroutines"`
	Rows       int    `json:"rows,omitempty"`
	Models     int    `json:"models,omitempty"`
	// Variant is sdk, pgx (hand-written statement on a pgx.Conn),
	// pgx-select (a plain prepared SELECT), gorm (plain GORM) or pgxpool.
	Variant string `json:"variant"`
	// OpsPerSec is the median of the rounds' calls per second; Min and Max
	// the slowest and fastest round.
	OpsPerSec    float64 `json:"ops_per_sec"`
	OpsPerSecMin float64 `json:"ops_per_sec_min"`
	OpsPerSecMax float64 `json:"ops_per_sec_max"`
	P50Micros    float64 `json:"p50_us"`
	P99Micros    float64 `json:"p99_us"`
	// AllocsPerOp is the heap allocations per call (runtime.MemStats).
	AllocsPerOp float64 `json:"allocs_per_op"`
	// CPUMicrosPerOp is the process's CPU time (user and system, all
	// goroutines, GC included) per call: the client's cost, steadier than
	// the rates when the machine is busy. 0 where not measured.
	CPUMicrosPerOp float64 `json:"cpu_us_per_op"`
	// RoundTripsPerOp is counted at the round-trip proxy.
	RoundTripsPerOp float64 `json:"round_trips_per_op"`
	// Calls is how many timed calls the figures come from.
	Calls int `json:"calls"`
	// On sdk rows: the median over rounds of sdk ops/s over the
	// baseline's in the same round (VsPgx: pgx, or pgxpool for the
	// concurrency rows).
	VsPgx       float64 `json:"sdk_vs_pgx,omitempty"`
	VsPgxSelect float64 `json:"sdk_vs_pgx_select,omitempty"`
	VsGORM      float64 `json:"sdk_vs_gorm,omitempty"`
}

func machine() Machine {
	m := Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as a header and a Markdown table.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "customdata bench, %s, %.0f s\n", r.Started.Format(time.RFC3339), r.Seconds)
	load := "load at end " + r.Load
	if r.LoadStart != "" {
		load = "load " + r.LoadStart + " at start, " + r.Load + " at end"
	}
	pinned := ""
	if r.Machine.ClientCPU != "" {
		pinned = ", bench on " + r.Machine.ClientCPU
	}
	fmt.Fprintf(w, "client: %s/%s, %d CPUs (%s)%s, %s; %s\n",
		r.Machine.OS, r.Machine.Arch, r.Machine.CPUs, r.Machine.CPUModel, pinned, r.Machine.GoVersion, load)
	fmt.Fprintf(w, "server: PostgreSQL %s (%s), fsync %s, synchronous_commit %s (server default %s)\n",
		r.Server.Version, r.Server.Source, r.Server.Fsync, r.Server.SynchronousCommit, r.Server.ServerSynchronousCommit)
	fmt.Fprintf(w, "rounds %d x %.3f s per variant (first installs: %d rounds of one call), round trips over %d calls, pool %d\n\n",
		r.Config.Rounds, r.Config.RoundSeconds, r.Config.SingleRounds, r.Config.CountOps, r.Config.Pool)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(tw, "| "+strings.Join(cells, "\t| ")+"\t|") }
	row("operation", "variant", "ops/s (median)", "min", "max", "p50 µs", "p99 µs", "cpu µs/op", "allocs/op", "round trips/op", "sdk/pgx", "sdk/gorm")
	row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:")
	for _, x := range r.Results {
		row(x.Name, x.Variant, rate(x.OpsPerSec), rate(x.OpsPerSecMin), rate(x.OpsPerSecMax),
			fmt.Sprintf("%.1f", x.P50Micros), fmt.Sprintf("%.1f", x.P99Micros), fmt.Sprintf("%.1f", x.CPUMicrosPerOp), fmt.Sprintf("%.0f", x.AllocsPerOp),
			trips(x.RoundTripsPerOp), ratio(x.VsPgx), ratio(x.VsGORM))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nsdk/pgx: pgxpool on the concurrency rows. pgx-select: a plain prepared SELECT, for reference (sdk/pgx-select is in -json).")
	return err
}

func rate(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 1:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.3f", x)
}

func trips(x float64) string {
	if x == float64(int64(x)) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

func ratio(x float64) string {
	if x == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", x)
}
