package custommodel_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// sqlRecorder is a GORM logger that records every statement.
type sqlRecorder struct {
	mu    sync.Mutex
	stmts []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface      { return r }
func (r *sqlRecorder) Info(context.Context, string, ...interface{})  {}
func (r *sqlRecorder) Warn(context.Context, string, ...interface{})  {}
func (r *sqlRecorder) Error(context.Context, string, ...interface{}) {}
func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

func (r *sqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

func TestGetOrCreateStatements(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// A namespace of its own: GetOrCreate keeps each lookup shape's record
	// of hits per namespace name, and other tests use the quick start's.
	const ns = "acme__gocstatements"
	e := newEnv(t, ns, &CustomNote{}, &NoteTag{})
	note := e.seedNote(t)
	sqlDB, err := e.d.DB.DB()
	require.NoError(t, err)
	rec := &sqlRecorder{}
	db, err := scope.Open(sqlDB, ns, scope.Options{Logger: rec})
	require.NoError(t, err)

	_, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "x"})
	require.NoError(t, err)
	require.True(t, created)
	miss := rec.take()
	require.Len(t, miss, 1, "a miss is one statement: %q", miss)
	assert.True(t, strings.HasPrefix(miss[0], `WITH "customdata_found" AS (SELECT "note_id", "tagged_by" FROM "acme__gocstatements"."notetag" WHERE "note_id" = `), miss[0])
	assert.Contains(t, miss[0], `WHERE NOT EXISTS (SELECT 1 FROM "customdata_found") ON CONFLICT DO NOTHING RETURNING "note_id", "tagged_by")`, "any conflict makes the insert a no-op; the next statement decides")

	_, created, err = custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{})
	require.NoError(t, err)
	require.False(t, created)
	hit := rec.take()
	require.Len(t, hit, 1, "a hit is one statement too")
	assert.True(t, strings.HasPrefix(hit[0], `WITH "customdata_found" AS (`), "the same statement: %s", hit[0])

	_, _, err = custommodel.UpdateOrCreate(ctx, db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "y"})
	require.NoError(t, err)
	up := rec.take()
	require.Len(t, up, 1, "UpdateOrCreate is one statement")
	assert.Contains(t, up[0], `ON CONFLICT ("note_id") DO UPDATE SET "tagged_by" = EXCLUDED."tagged_by" RETURNING "cur"."note_id", "cur"."tagged_by", ("cur".xmax = 0)`)
	for _, q := range append(miss, up...) {
		assert.NotContains(t, q, "*", "explicit column lists: a column another install adds leaves prepared statements valid")
	}
}

func benchEnv(b *testing.B) *gorm.DB {
	d := testdb.New(b)
	db := d.Scoped(b, "acme__bench")
	stmts, err := custommodel.DDL("acme__bench", &Room{})
	require.NoError(b, err)
	for _, s := range stmts {
		require.NoError(b, d.DB.Exec(s).Error)
	}
	require.NoError(b, custommodel.RegisterCallbacks(db))
	return db
}

// baselineGetOrCreate is what plain GORM code does: First, then Create if
// missing, in a transaction (and it is not race-safe under READ COMMITTED).
func baselineGetOrCreate(ctx context.Context, db *gorm.DB, name string) (*Room, bool, error) {
	var room Room
	created := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("name = ?", name).First(&room).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			room = Room{Name: name, Capacity: 2}
			created = true
			return tx.Create(&room).Error
		}
		return err
	})
	return &room, created, err
}

// twoStatementGetOrCreate is the race-safe design GetOrCreate replaced: a
// SELECT, then on a miss INSERT ... ON CONFLICT DO NOTHING RETURNING * (two
// round trips to create; the retry on a lost race is left out here).
func twoStatementGetOrCreate(ctx context.Context, db *gorm.DB, name string) (*Room, bool, error) {
	var rooms []Room
	tx := db.WithContext(ctx)
	if err := tx.Raw(`SELECT * FROM "acme__bench"."room" WHERE "name" = ? LIMIT 1`, name).Scan(&rooms).Error; err != nil {
		return nil, false, err
	}
	if len(rooms) == 1 {
		return &rooms[0], false, nil
	}
	err := tx.Raw(`INSERT INTO "acme__bench"."room" ("name", "capacity", "features", "active") VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
		name, 2, "null", false).Scan(&rooms).Error
	if err != nil || len(rooms) != 1 {
		return nil, false, fmt.Errorf("insert %q: %v (%d rows)", name, err, len(rooms))
	}
	return &rooms[0], true, nil
}

// BenchmarkGetOrCreate compares GetOrCreate (one statement) with the
// two-statement design it replaced and with plain GORM (First, then Create,
// in a transaction), for a row that exists (hit) and one that does not
// (miss), in the same run.
func BenchmarkGetOrCreate(b *testing.B) {
	ctx := context.Background()
	db := benchEnv(b)
	_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"name": "hit"}, &Room{Capacity: 2})
	require.NoError(b, err)

	b.Run("hit/custommodel", func(b *testing.B) {
		for b.Loop() {
			if _, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"name": "hit"}, &Room{Capacity: 2}); err != nil || created {
				b.Fatal(err, created)
			}
		}
	})
	b.Run("hit/baseline", func(b *testing.B) {
		for b.Loop() {
			if _, created, err := baselineGetOrCreate(ctx, db, "hit"); err != nil || created {
				b.Fatal(err, created)
			}
		}
	})
	b.Run("hit/two_statements", func(b *testing.B) {
		for b.Loop() {
			if _, created, err := twoStatementGetOrCreate(ctx, db, "hit"); err != nil || created {
				b.Fatal(err, created)
			}
		}
	})
	n := 0
	b.Run("miss/custommodel", func(b *testing.B) {
		for b.Loop() {
			n++
			if _, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"name": "cm" + strconv.Itoa(n)}, &Room{Capacity: 2}); err != nil || !created {
				b.Fatal(err, created)
			}
		}
	})
	b.Run("miss/two_statements", func(b *testing.B) {
		for b.Loop() {
			n++
			if _, created, err := twoStatementGetOrCreate(ctx, db, "ts"+strconv.Itoa(n)); err != nil || !created {
				b.Fatal(err, created)
			}
		}
	})
	b.Run("miss/baseline", func(b *testing.B) {
		for b.Loop() {
			n++
			if _, created, err := baselineGetOrCreate(ctx, db, "bl"+strconv.Itoa(n)); err != nil || !created {
				b.Fatal(err, created)
			}
		}
	})
}
