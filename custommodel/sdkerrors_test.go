package custommodel_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// closedDB is a namespace DB with the package's callbacks whose pool is
// closed: a statement that reached the database would fail with "sql:
// database is closed", so an error of another kind came before any round
// trip.
func closedDB(t *testing.T, url, ns string) *gorm.DB {
	t.Helper()
	pool, err := sql.Open("pgx", url)
	require.NoError(t, err)
	db, err := scope.Open(pool, ns, scope.Options{})
	require.NoError(t, err)
	require.NoError(t, custommodel.RegisterCallbacks(db))
	require.NoError(t, pool.Close())
	return db
}

// TestSDKModelWritesRefused: every write of an SDK model or an SDK model
// extension is refused with ErrReadOnlyModel, GORM's before any round trip,
// and writes nothing.
func TestSDKModelWritesRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, quickStartNS, &CustomNote{}, &NoteTag{})
	note := e.seedNote(t)
	var before int64
	require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM `+sdkmodel.Schema+`.`+sdkmodel.NoteTable).Scan(&before).Error)
	offline := closedDB(t, e.d.DSN, quickStartNS)

	cases := []struct {
		name  string
		write func(db *gorm.DB) error
	}{
		{"Create", func(db *gorm.DB) error { return db.Create(&sdkmodel.Note{Title: "x"}).Error }},
		{"Create of an extension", func(db *gorm.DB) error { return db.Create(&CustomNote{}).Error }},
		{"Create of a slice", func(db *gorm.DB) error { return db.Create(&[]sdkmodel.Patient{{FirstName: "a"}}).Error }},
		{"Save", func(db *gorm.DB) error { n := *note; n.Title = "changed"; return db.Save(&n).Error }},
		{"Update", func(db *gorm.DB) error {
			return db.Model(&sdkmodel.Note{DBID: note.DBID}).Update("title", "changed").Error
		}},
		{"Updates", func(db *gorm.DB) error {
			return db.Model(&sdkmodel.Note{}).Where("dbid = ?", note.DBID).Updates(map[string]any{"title": "changed"}).Error
		}},
		{"Delete", func(db *gorm.DB) error { return db.Delete(&sdkmodel.Note{DBID: note.DBID}).Error }},
		{"Delete by condition", func(db *gorm.DB) error { return db.Where("dbid = ?", note.DBID).Delete(&sdkmodel.Note{}).Error }},
		{"custommodel.Delete", func(db *gorm.DB) error { _, err := custommodel.Delete(ctx, db, note); return err }},
		{"GetOrCreate", func(db *gorm.DB) error {
			_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"dbid": note.DBID}, &sdkmodel.Note{})
			return err
		}},
		{"UpdateOrCreate of an extension", func(db *gorm.DB) error {
			_, _, err := custommodel.UpdateOrCreate(ctx, db, custommodel.Lookup{"dbid": note.DBID}, &CustomNote{})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.write(e.db)
			require.ErrorIs(t, err, custommodel.ErrReadOnlyModel)
			assert.ErrorContains(t, err, "SDK model")
			var after int64
			require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM `+sdkmodel.Schema+`.`+sdkmodel.NoteTable).Scan(&after).Error)
			assert.Equal(t, before, after)
			var got sdkmodel.Note
			require.NoError(t, e.d.DB.Table(sdkmodel.Schema+"."+sdkmodel.NoteTable).First(&got, note.DBID).Error)
			assert.Equal(t, note.Title, got.Title)

			err = c.write(offline)
			require.ErrorIs(t, err, custommodel.ErrReadOnlyModel, "refused before any round trip")
			assert.NotContains(t, err.Error(), "database is closed")
		})
	}
	// Reading stays allowed.
	var n sdkmodel.Note
	require.NoError(t, e.db.First(&n, note.DBID).Error)
}

// TestModelNotInstalled: a statement on a custom model whose table the
// namespace lacks fails with ErrModelNotInstalled naming the model, and
// PostgreSQL's 42P01 stays reachable.
func TestModelNotInstalled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "acme__not_installed", &DelOrg{}) // DelTeam is not installed
	org := &DelOrg{Name: "o"}
	require.NoError(t, e.db.Create(org).Error)
	other := newEnv(t, "acme__not_installed_target", &DelTeam{}) // DelTeam without DelOrg

	cases := []struct {
		name  string
		model string
		run   func() error
	}{
		{"First", "DelTeam", func() error { return e.db.First(&DelTeam{}).Error }},
		{"Find", "DelTeam", func() error { var ts []DelTeam; return e.db.Find(&ts).Error }},
		{"Count", "DelTeam", func() error { var n int64; return e.db.Model(&DelTeam{}).Count(&n).Error }},
		{"Create", "DelTeam", func() error { return e.db.Create(&DelTeam{OrgID: org.DBID}).Error }},
		{"Updates", "DelTeam", func() error {
			return e.db.Model(&DelTeam{}).Where("dbid = ?", 1).Updates(map[string]any{"name": "x"}).Error
		}},
		{"db.Delete", "DelTeam", func() error { return e.db.Delete(&DelTeam{CustomModel: custommodel.CustomModel{DBID: 1}}).Error }},
		{"Preload", "DelTeam", func() error { var os []DelOrg; return e.db.Preload("Teams").Find(&os).Error }},
		{"GetOrCreate", "DelTeam", func() error {
			_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": int64(5)}, &DelTeam{})
			return err
		}},
		{"UpdateOrCreate", "DelTeam", func() error {
			_, _, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"dbid": int64(5)}, &DelTeam{Name: "x"})
			return err
		}},
		{"custommodel.Delete", "DelTeam", func() error {
			_, err := custommodel.Delete(ctx, e.db, &DelTeam{CustomModel: custommodel.CustomModel{DBID: 1}})
			return err
		}},
		{"GORM Create whose policy link's model is missing", "DelOrg", func() error {
			return other.db.Create(&DelTeam{OrgID: 1}).Error
		}},
		{"Joins a model that is missing", "DelOrg", func() error { var ts []DelTeam; return other.db.Joins("Org").Find(&ts).Error }},
		{"GetOrCreate whose policy link's model is missing", "DelOrg", func() error {
			_, _, err := custommodel.GetOrCreate(ctx, other.db, custommodel.Lookup{"dbid": int64(5)}, &DelTeam{OrgID: 1})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			require.ErrorIs(t, err, custommodel.ErrModelNotInstalled)
			assert.ErrorContains(t, err, "model "+c.model+" (table \"")
			assert.ErrorContains(t, err, "pass the model to Install")
			var pg *pgconn.PgError
			require.True(t, errors.As(err, &pg), "the PostgreSQL error stays reachable")
			assert.Equal(t, "42P01", pg.Code)
		})
	}
	assert.Zero(t, other.count(t, "delteam"))
}

// TestNilDB: every function of the package that takes a *gorm.DB reports
// a nil one with ErrNilDB, without panicking.
func TestNilDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name string
		call func() error
	}{
		{"GetOrCreate", func() error {
			_, _, err := custommodel.GetOrCreate(ctx, nil, custommodel.Lookup{"note_id": 1}, &NoteTag{})
			return err
		}},
		{"UpdateOrCreate", func() error {
			_, _, err := custommodel.UpdateOrCreate(ctx, nil, custommodel.Lookup{"note_id": 1}, &NoteTag{})
			return err
		}},
		{"Delete", func() error { _, err := custommodel.Delete(ctx, nil, &NoteTag{NoteID: 1}); return err }},
		{"CheckExisting", func() error { return custommodel.CheckExisting(ctx, nil, quickStartNS, &NoteTag{}) }},
		{"RegisterCallbacks", func() error { return custommodel.RegisterCallbacks(nil) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = c.call() })
			require.ErrorIs(t, err, custommodel.ErrNilDB)
			assert.ErrorContains(t, err, "custommodel: nil *gorm.DB")
		})
	}
}

// TestPlatformWriteRefusedByPostgreSQL: a write GORM cannot see as a model
// write (Exec, Table(...)) reaches PostgreSQL, whose refusal (42501) on a
// platform table is reported as ErrReadOnlyModel with the PgError kept.
func TestPlatformWriteRefusedByPostgreSQL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, quickStartNS, &NoteTag{})
	note := e.seedNote(t)
	role := "customdata_ro_" + e.d.Name // roles are per cluster: one per test database
	require.NoError(t, e.d.DB.Exec(`CREATE ROLE "`+role+`" NOLOGIN`).Error)
	t.Cleanup(func() {
		_ = e.d.DB.Exec(`DROP OWNED BY "` + role + `"`).Error
		_ = e.d.DB.Exec(`DROP ROLE IF EXISTS "` + role + `"`).Error
	})
	table := sdkmodel.Schema + "." + sdkmodel.NoteTable
	require.NoError(t, e.d.DB.Exec(`GRANT USAGE ON SCHEMA `+sdkmodel.Schema+` TO "`+role+`"`).Error)
	require.NoError(t, e.d.DB.Exec(`GRANT SELECT ON `+table+` TO "`+role+`"`).Error)
	asRole := func(fn func(tx *gorm.DB) error) error {
		return e.db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Exec(`SET LOCAL ROLE "`+role+`"`).Error)
			return fn(tx)
		})
	}
	cases := []struct {
		name  string
		write func(tx *gorm.DB) error
	}{
		{"Exec UPDATE", func(tx *gorm.DB) error {
			return tx.Exec(`UPDATE `+table+` SET title = 'x' WHERE dbid = ?`, note.DBID).Error
		}},
		{"Exec DELETE", func(tx *gorm.DB) error { return tx.Exec(`DELETE FROM `+table+` WHERE dbid = ?`, note.DBID).Error }},
		{"Table().Updates", func(tx *gorm.DB) error {
			return tx.Table(table).Where("dbid = ?", note.DBID).Updates(map[string]any{"title": "x"}).Error
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := asRole(c.write)
			require.ErrorIs(t, err, custommodel.ErrReadOnlyModel)
			assert.ErrorContains(t, err, `platform table "`+sdkmodel.NoteTable+`"`)
			var pg *pgconn.PgError
			require.True(t, errors.As(err, &pg))
			assert.Equal(t, "42501", pg.Code)
		})
	}
	// A read as that role works, and a refusal on another table is left as
	// PostgreSQL's.
	require.NoError(t, asRole(func(tx *gorm.DB) error { var n sdkmodel.Note; return tx.First(&n, note.DBID).Error }))
	err := asRole(func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE ` + quickStartNS + `.notetag SET tagged_by = 'x'`).Error
	})
	require.Error(t, err)
	assert.NotErrorIs(t, err, custommodel.ErrReadOnlyModel)
}
