package namespace

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// BenchmarkSessionGuard measures what the session guard costs a handle's
// calls: the same indexed SELECT through a handle, with the guard
// (statement scan per call, parameter check per connection reuse) and
// without it, side by side in one run.
func BenchmarkSessionGuard(b *testing.B) {
	d := testdb.New(b)
	for _, c := range []struct {
		name string
		off  bool
	}{{"guard", false}, {"baseline_no_guard", true}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			m, err := NewManagerWithConfig(ctx, Config{DSN: d.DSN})
			require.NoError(b, err)
			defer m.Close()
			m.noSessionGuard = c.off
			ns := "acme__bench_guard"
			inst, err := m.Install(ctx, Plugin{Name: "bench", CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite},
				Secrets: map[string]string{manifest.ReadWriteAccessKey: benchKey}})
			if err == nil && inst.Created {
				benchKey = inst.Keys.ReadWrite
			}
			require.NoError(b, err)
			h, err := m.Open(ctx, ns, benchKey)
			require.NoError(b, err)
			defer h.Close()
			require.NoError(b, h.DB(ctx).Exec(`INSERT INTO acme__bench_guard.attribute_hub (type, id) VALUES ('t', 'x') ON CONFLICT DO NOTHING`).Error)
			b.ResetTimer()
			for range b.N {
				var id int64
				if err := h.DB(ctx).Raw(`SELECT dbid FROM acme__bench_guard.attribute_hub WHERE type = $1 AND id = $2`, "t", "x").Scan(&id).Error; err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var benchKey string

// BenchmarkChangesSession measures the statement scan on typical SDK
// statements (an upsert, and a get-or-create CTE of 400 characters), the
// remembered verdict the tracer uses instead, and a baseline that only
// walks the string.
func BenchmarkChangesSession(b *testing.B) {
	upsert := `INSERT INTO "acme__x"."custom_attribute" ("hub_id", "name", "text_value") VALUES ($1, $2, $3) ON CONFLICT ("hub_id", "name") DO UPDATE SET "text_value" = excluded."text_value" RETURNING "dbid"`
	cte := `WITH found AS (SELECT "dbid", "name", "capacity", "active", "note" FROM "acme__x"."room" WHERE "name" = $1 LIMIT 1),
made AS (INSERT INTO "acme__x"."room" ("name", "capacity", "active", "note") SELECT $1, $2, $3, $4
  WHERE NOT EXISTS (SELECT 1 FROM found) ON CONFLICT DO NOTHING RETURNING "dbid", "name", "capacity", "active", "note")
SELECT "dbid", "name", "capacity", "active", "note", false FROM found UNION ALL SELECT "dbid", "name", "capacity", "active", "note", true FROM made`
	for _, st := range []struct{ name, sql string }{{"upsert", upsert}, {"cte", cte}} {
		sql := st.sql
		b.Run(st.name+"/changesSession", func(b *testing.B) {
			for range b.N {
				if changesSession(sql) {
					b.Fatal("SDK statement flagged")
				}
			}
		})
		b.Run(st.name+"/remembered", func(b *testing.B) {
			for range b.N {
				if cleanStatements.changes(sql, false) {
					b.Fatal("SDK statement flagged")
				}
			}
		})
		b.Run(st.name+"/baseline_walk", func(b *testing.B) {
			n := 0
			for range b.N {
				for i := 0; i < len(sql); i++ {
					if sql[i] == ';' {
						n++
					}
				}
			}
			_ = n
		})
	}
}
