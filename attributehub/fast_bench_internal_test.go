package attributehub

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// BenchmarkGetAttributeLayers splits GetAttribute's client cost: the
// statement on a pgx.Conn, the same through pgxconn.With (database/sql's
// checkout), and GetAttribute itself.
func BenchmarkGetAttributeLayers(b *testing.B) {
	const ns = "acme__layers"
	d := testdb.New(b)
	d.Scoped(b, ns)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(d.DSN)
	if err != nil {
		b.Fatal(err)
	}
	pool := stdlib.OpenDB(*cfg)
	b.Cleanup(func() { _ = pool.Close() })
	db, err := scope.Open(pool, ns, scope.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h, _, err := GetOrCreate(ctx, db, "bench", "h")
	if err != nil {
		b.Fatal(err)
	}
	if err := h.SetAttribute(ctx, "k", 1); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close(ctx) })
	query := h.t.q.get
	read := func(c *pgx.Conn) error {
		var r storedRow
		if err := c.QueryRow(ctx, query, h.DBID, "k").Scan(r.dest()...); err != nil {
			return err
		}
		_, err := r.value()
		return err
	}
	b.Run("pgx.Conn", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := read(conn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pgxconn.With", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pgxconn.With(ctx, pool, read); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetAttribute", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := h.GetAttribute(ctx, "k"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
