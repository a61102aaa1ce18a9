package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/bench"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestQuickRun runs the smoke run and checks that the report has every row
// with sane figures. It checks no speed.
func TestQuickRun(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-quick", "-json", "-q"}, &out, &errOut)
	require.Equal(t, 0, code, "stderr: %s", errOut.String())
	var rep bench.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))

	type row struct{ name, variant string }
	var want []row
	add := func(name string, variants ...string) {
		for _, v := range variants {
			want = append(want, row{name, v})
		}
	}
	add("GetOrCreate hit", "sdk", "pgx", "pgx-select", "gorm")
	for _, op := range []string{"GetOrCreate miss", "UpdateOrCreate", "SetAttribute", "GetAttribute", "SetAttributes (100)", "Attributes (100)"} {
		add(op, "sdk", "pgx", "gorm")
	}
	add("Open (cached handle)", "sdk")
	add("re-install (20 unchanged models)", "sdk")
	add("first install (20 models)", "sdk")
	for _, op := range []string{"GetOrCreate hit", "SetAttribute"} {
		for _, n := range []int{1, 4, 16, 64} {
			add(fmt.Sprintf("%s, %d goroutines", op, n), "sdk", "pgxpool")
		}
	}
	add("GetOrCreate hit, 1k rows", "sdk", "pgx")
	add("GetAttribute, 1k rows", "sdk", "pgx")
	for _, n := range []int{1, 10} {
		add(fmt.Sprintf("first install (%d models)", n), "sdk")
		add(fmt.Sprintf("re-install (%d unchanged models)", n), "sdk")
	}

	got := map[row]bench.Result{}
	for _, r := range rep.Results {
		got[row{r.Name, r.Variant}] = r
	}
	assert.Len(t, rep.Results, len(want), "no row more than expected")
	for _, w := range want {
		r, ok := got[w]
		if !assert.True(t, ok, "row %q, variant %s", w.name, w.variant) {
			continue
		}
		assert.Positive(t, r.Calls, "%v: calls", w)
		assert.Positive(t, r.OpsPerSec, "%v: ops/s", w)
		assert.LessOrEqual(t, r.OpsPerSecMin, r.OpsPerSec, "%v: min <= median", w)
		assert.LessOrEqual(t, r.OpsPerSec, r.OpsPerSecMax, "%v: median <= max", w)
		assert.Positive(t, r.P50Micros, "%v: p50", w)
		assert.LessOrEqual(t, r.P50Micros, r.P99Micros, "%v: p50 <= p99", w)
		assert.Positive(t, r.AllocsPerOp, "%v: allocations", w)
		assert.Positive(t, r.CPUMicrosPerOp, "%v: CPU per call", w)
		assert.GreaterOrEqual(t, r.RoundTripsPerOp, 0.0, "%v: round trips", w)
		if r.Variant == "pgx" && r.Group == "hot" {
			assert.Equal(t, 1.0, r.RoundTripsPerOp, "%v: a prepared statement is one round trip", w)
		}
		if r.Variant == "sdk" && strings.Contains(r.Name, "install") {
			assert.GreaterOrEqual(t, r.RoundTripsPerOp, 1.0, "%v: an install talks to the server", w)
		}
		switch {
		case r.Variant != "sdk":
			assert.Zero(t, r.VsPgx+r.VsGORM, "%v: ratios are on sdk rows", w)
		case r.Group == "hot":
			assert.Positive(t, r.VsPgx, "%v: sdk/pgx", w)
			assert.Positive(t, r.VsGORM, "%v: sdk/gorm", w)
		case r.Group == "concurrency" || r.Rows > 0:
			assert.Positive(t, r.VsPgx, "%v: sdk/pgx", w)
		}
	}
	assert.Equal(t, "on", rep.Server.SynchronousCommit)
	assert.NotEmpty(t, rep.Server.Version)
	assert.Equal(t, 2, rep.Config.Rounds)
	assert.Equal(t, "any", rep.Machine.ClientCPU, "-quick does not pin the bench to a CPU")

	var table bytes.Buffer
	require.NoError(t, rep.WriteTable(&table))
	lines := strings.Split(table.String(), "\n")
	for _, w := range want {
		found := false
		for _, l := range lines {
			cells := strings.Split(l, "|")
			if len(cells) > 3 && strings.TrimSpace(cells[1]) == w.name && strings.TrimSpace(cells[2]) == w.variant {
				found = true
				break
			}
		}
		assert.True(t, found, "table row %q %s", w.name, w.variant)
	}

	saved := filepath.Join(t.TempDir(), "report.json")
	require.NoError(t, os.WriteFile(saved, out.Bytes(), 0o600))
	var rendered bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-render", saved}, &rendered, &errOut), errOut.String())
	assert.Equal(t, table.String(), rendered.String(), "-render prints the saved report's table")
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-nope"}, 2, "flag provided but not defined"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"-growth", "10,x"}, 2, `"x" is not a positive number`},
		{[]string{"-install-models", "0"}, 2, `"0" is not a positive number`},
		{[]string{"-only", "("}, 2, "-only"},
		{[]string{"-synchronous-commit", "maybe"}, 1, `synchronous_commit "maybe": want on or off`},
		{[]string{"-install-models", "101"}, 1, "install of 101 models"},
		{[]string{"-growth", "100,10"}, 1, "growth sizes must ascend"},
		{[]string{"-render", "/nonexistent/report.json"}, 1, "no such file"},
		{[]string{"-client-cpu", "last"}, 2, `-client-cpu: "last": want a CPU number, auto or none`},
		{[]string{"-client-cpu", "-1"}, 2, `"-1": want a CPU number`},
		{[]string{"-client-cpu", "100000"}, 2, "CPU 100000 is not one this process may run on"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			assert.Equal(t, tc.code, run(context.Background(), tc.args, &out, &errOut))
			assert.Contains(t, errOut.String(), tc.msg)
			assert.Empty(t, out.String())
		})
	}
}

// TestStatements checks that -statements lists the three operations with
// their statement counts, and that each listing adds up.
func TestStatements(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-statements"}, &out, &errOut), errOut.String())
	sections := strings.Split(strings.TrimSpace(out.String()), "\n\n")
	require.Len(t, sections, 3, out.String())
	for i, title := range []string{"first install, 20 models", "re-install, 20 unchanged models", "Open of a cached handle"} {
		lines := strings.Split(sections[i], "\n")
		var total, sum int
		_, err := fmt.Sscanf(lines[0], title+": %d statements", &total)
		require.NoError(t, err, lines[0])
		for _, l := range lines[1:] {
			var n int
			_, err := fmt.Sscanf(strings.TrimSpace(l), "%d", &n)
			require.NoError(t, err, l)
			sum += n
		}
		if title == "Open of a cached handle" {
			assert.Zero(t, total, "a cached Open sends nothing")
		} else {
			assert.Positive(t, total, title)
		}
		assert.Equal(t, total, sum, "%s: the shapes add up", title)
	}
}
