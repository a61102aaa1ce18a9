package testdb

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

func TestNewGivesSeparateDatabases(t *testing.T) {
	t.Parallel()
	a, b := New(t), New(t)
	assert.NotEqual(t, a.Name, b.Name)
	var name string
	require.NoError(t, a.DB.Raw("SELECT current_database()").Scan(&name).Error)
	assert.Equal(t, a.Name, name)
	require.NoError(t, a.DB.Exec("CREATE TABLE only_in_a (x int)").Error)
	var n int
	require.NoError(t, b.DB.Raw("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n).Error)
	assert.Zero(t, n)
}

func TestTemplateInitRunsOnceAndIsCloned(t *testing.T) {
	t.Parallel()
	calls := 0
	cfg := Config{
		TemplateVersion: "testdb-test-" + randomHex(4),
		TemplateInit: func(ctx context.Context, db *gorm.DB) error {
			calls++
			return db.Exec("CREATE TABLE seeded (x int); INSERT INTO seeded VALUES (42)").Error
		},
	}
	// Registered first, so it runs after the databases are dropped.
	t.Cleanup(func() { assert.NoError(t, DropTemplate(context.Background(), cfg)) })
	for range 2 {
		d := NewWithConfig(t, cfg)
		var x int
		require.NoError(t, d.DB.Raw("SELECT x FROM seeded").Scan(&x).Error)
		assert.Equal(t, 42, x)
	}
	assert.Equal(t, 1, calls)
	srv, err := server(context.Background())
	require.NoError(t, err)
	var isTemplate bool
	require.NoError(t, srv.DB.QueryRow("SELECT datistemplate FROM pg_database WHERE datname = $1", templateName(cfg.TemplateVersion)).Scan(&isTemplate))
	assert.True(t, isTemplate, "any CREATEDB user may clone it")
}

func TestDropRemovesDatabaseAndRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Create(ctx, Config{})
	require.NoError(t, err)
	role := "customdata_" + strconv.FormatUint(uint64(d.OID), 10) + "_probe_r"
	require.NoError(t, d.DB.Exec("CREATE ROLE "+role).Error)
	require.NoError(t, d.Drop(ctx))
	srv, err := server(ctx)
	require.NoError(t, err)
	var n int
	require.NoError(t, srv.DB.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", d.Name).Scan(&n))
	assert.Zero(t, n)
	require.NoError(t, srv.DB.QueryRow("SELECT count(*) FROM pg_roles WHERE rolname = $1", role).Scan(&n))
	assert.Zero(t, n)
}

// TestCreateDropsDatabaseWhenOpenFails is not parallel: it replaces
// openDatabase, which the parallel tests use once it is restored.
func TestCreateDropsDatabaseWhenOpenFails(t *testing.T) {
	ctx := context.Background()
	var dsn string
	saved := openDatabase
	t.Cleanup(func() { openDatabase = saved })
	openDatabase = func(d string) (*gorm.DB, error) {
		dsn = d
		return nil, errors.New("open refused by the test")
	}
	_, err := Create(ctx, Config{})
	require.ErrorContains(t, err, "open refused by the test")
	require.NotEmpty(t, dsn, "Create got as far as opening the new database")
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	require.NotEmpty(t, cfg.Database)
	srv, err := server(ctx)
	require.NoError(t, err)
	var n int
	require.NoError(t, srv.DB.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", cfg.Database).Scan(&n))
	assert.Zero(t, n, "the database Create made is dropped when it cannot be opened")
}

func TestKeptMessage(t *testing.T) {
	const secret = "s3cret"
	got := keptMessage("postgres://u:"+secret+"@h:5432/customdata_t_1", false)
	assert.Contains(t, got, "postgres://u:xxxxx@h:5432/customdata_t_1")
	assert.Contains(t, got, "password hidden: use the one in DATABASE_URL")
	assert.NotContains(t, got, secret)
	got = keptMessage("host=h user=u password="+secret+" dbname=customdata_t_1", false)
	assert.Contains(t, got, "dbname=customdata_t_1")
	assert.Contains(t, got, "DATABASE_URL")
	assert.NotContains(t, got, secret)

	ephemeral := "postgres://postgres@/customdata_t_1?host=%2Ftmp%2Fcustomdata-pg-1&sslmode=disable"
	got = keptMessage(ephemeral, true)
	assert.Contains(t, got, ephemeral, "a DSN without a password is shown as it is")
	assert.Contains(t, got, "until this test process ends")
	assert.NotContains(t, got, "password hidden")
}

func TestScoped(t *testing.T) {
	t.Parallel()
	d := New(t)
	db := d.Scoped(t, "acme__scoped")
	var n int
	require.NoError(t, db.Raw(`SELECT count(*) FROM "acme__scoped".attribute_hub`).Scan(&n).Error)
	assert.Zero(t, n)
	type NoteTag struct{ TaggedBy string }
	stmt := &gorm.Statement{DB: db}
	require.NoError(t, stmt.Parse(&NoteTag{}))
	assert.Equal(t, "acme__scoped.notetag", stmt.Schema.Table)
}
