package testdb

import (
	"context"
	"testing"
	"time"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/pgdiscover"
)

// BenchmarkFirstDatabase measures what a test process pays before its first
// database: starting the ephemeral cluster, building the template (empty, or
// with the platform fixture) and cloning it. It reports the phases as
// cluster-ms, template-ms and clone-ms.
func BenchmarkFirstDatabase(b *testing.B) {
	b.Run("empty", func(b *testing.B) { benchFirstDatabase(b, Config{}) })
	b.Run("fixture", func(b *testing.B) { benchFirstDatabase(b, Fixture) })
}

func benchFirstDatabase(b *testing.B, cfg Config) {
	ctx := context.Background()
	var cluster, tpl, clone time.Duration
	for b.Loop() {
		t0 := time.Now()
		found, err := pgdiscover.StartThrowaway(ctx)
		if err != nil {
			b.Fatal(err)
		}
		srv := &resolved{Server: found, templates: map[string]string{}}
		t1 := time.Now()
		name, err := srv.template(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := srv.DB.ExecContext(ctx, "CREATE DATABASE first TEMPLATE "+sqlident.Quote(name)); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		cluster, tpl, clone = cluster+t1.Sub(t0), tpl+t2.Sub(t1), clone+t3.Sub(t2)
		b.StopTimer()
		if err := srv.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(cluster.Milliseconds())/n, "cluster-ms")
	b.ReportMetric(float64(tpl.Milliseconds())/n, "template-ms")
	b.ReportMetric(float64(clone.Milliseconds())/n, "clone-ms")
}

// BenchmarkExtraDatabase measures one more database on a running server:
// Create (template clone plus a connection pool) and Drop, from the empty
// template and from the platform fixture's.
func BenchmarkExtraDatabase(b *testing.B) {
	b.Run("empty", func(b *testing.B) { benchExtraDatabase(b, Config{}) })
	b.Run("fixture", func(b *testing.B) { benchExtraDatabase(b, Fixture) })
}

func benchExtraDatabase(b *testing.B, cfg Config) {
	ctx := context.Background()
	warm, err := Create(ctx, cfg) // warm: server and template
	if err != nil {
		b.Fatal(err)
	}
	var create, drop time.Duration
	for b.Loop() {
		t0 := time.Now()
		d, err := Create(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.DB.Exec("SELECT 1").Error; err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := d.Drop(ctx); err != nil {
			b.Fatal(err)
		}
		create, drop = create+t1.Sub(t0), drop+time.Since(t1)
	}
	if err := warm.Drop(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(create.Milliseconds())/float64(b.N), "create-ms")
	b.ReportMetric(float64(drop.Milliseconds())/float64(b.N), "drop-ms")
}
