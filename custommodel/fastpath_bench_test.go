package custommodel

import (
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

type benchRoom struct {
	CustomModel
	Name     string `gorm:"uniqueIndex"`
	Capacity int64
	Active   bool
	Note     string
}

// BenchmarkFastPath compares GetOrCreate (hit) and UpdateOrCreate with the
// same statements written by hand on a pgx.Conn, prepared once (pgx's
// statement cache): the client cost the fast path adds.
func BenchmarkFastPath(b *testing.B) {
	ctx := b.Context()
	d := testdb.New(b)
	const ns = "acme__fastbench"
	db := d.Scoped(b, ns)
	stmts, err := DDL(ns, &benchRoom{})
	require.NoError(b, err)
	for _, s := range stmts {
		require.NoError(b, d.DB.Exec(s).Error)
	}
	conn, err := pgx.Connect(ctx, d.DSN)
	require.NoError(b, err)
	b.Cleanup(func() { _ = conn.Close(ctx) })
	_, _, err = GetOrCreate(ctx, db, Lookup{"name": "hit"}, &benchRoom{Capacity: 2})
	require.NoError(b, err)

	const cols = `"dbid", "name", "capacity", "active", "note"`
	const qt = `"acme__fastbench"."benchroom"`
	getOrCreate := `WITH "found" AS (SELECT ` + cols + ` FROM ` + qt + ` WHERE "name" = $1 LIMIT 1),
"made" AS (INSERT INTO ` + qt + ` ("name", "capacity", "active", "note") SELECT $2, $3, $4, $5
  WHERE NOT EXISTS (SELECT 1 FROM "found") ON CONFLICT DO NOTHING RETURNING ` + cols + `)
SELECT ` + cols + `, false FROM "found" UNION ALL SELECT ` + cols + `, true FROM "made"`
	upsert := `INSERT INTO ` + qt + ` AS "cur" ("name", "capacity", "active", "note") VALUES ($1, $2, $3, $4)
ON CONFLICT ("name") DO UPDATE SET "capacity" = EXCLUDED."capacity", "active" = EXCLUDED."active", "note" = EXCLUDED."note"
RETURNING "cur"."dbid", "cur"."name", "cur"."capacity", "cur"."active", "cur"."note", ("cur".xmax = 0)`

	b.Run("GetOrCreate hit/sdk", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if _, created, err := GetOrCreate(ctx, db, Lookup{"name": "hit"}, &benchRoom{}); err != nil || created {
				b.Fatal(err, created)
			}
		}
	})
	b.Run("GetOrCreate hit/pgx", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			var r benchRoom
			var created bool
			if err := conn.QueryRow(ctx, getOrCreate, "hit", "hit", int64(0), false, "").Scan(&r.DBID, &r.Name, &r.Capacity, &r.Active, &r.Note, &created); err != nil || created {
				b.Fatal(err, created)
			}
		}
	})
	b.Run("GetOrCreate hit/pgx through pgxconn", func(b *testing.B) {
		pool, ok := pgxconn.Pool(db)
		require.True(b, ok)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			var r benchRoom
			var created bool
			_, err := pgxconn.With(ctx, pool, func(conn *pgx.Conn) error {
				return conn.QueryRow(ctx, getOrCreate, "hit", "hit", int64(0), false, "").Scan(&r.DBID, &r.Name, &r.Capacity, &r.Active, &r.Note, &created)
			})
			if err != nil || created {
				b.Fatal(err, created)
			}
		}
	})
	b.Run("UpdateOrCreate/sdk", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			i++
			if _, _, err := UpdateOrCreate(ctx, db, Lookup{"name": "upd"}, &benchRoom{Capacity: int64(i), Active: true, Note: "n"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UpdateOrCreate/pgx", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			i++
			var r benchRoom
			var created bool
			if err := conn.QueryRow(ctx, upsert, "upd", int64(i), true, "n").Scan(&r.DBID, &r.Name, &r.Capacity, &r.Active, &r.Note, &created); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFastPrepare is the fast path's per-call work before the round
// trip: checks, the row and the statement's lookup.
func BenchmarkFastPrepare(b *testing.B) {
	d := testdb.New(b)
	db := d.Scoped(b, "acme__fastprep")
	ctx := b.Context()
	lookup := Lookup{"name": "hit"}
	b.ReportAllocs()
	for b.Loop() {
		row := new(benchRoom)
		fc, ok := fastPrepare(ctx, db, lookup, &benchRoom{}, row)
		if !ok || fc.stmt(opGetOrCreate) == nil {
			b.Fatal("not fast")
		}
	}
}

// reportCPU reports the process's CPU time per op (user and system) from
// the call to the call of the function it returns: steadier than wall time
// on a busy machine.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
