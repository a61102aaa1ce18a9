package custommodel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// quickStartNS is the quick start's namespace.
const quickStartNS = "my_org__hello_custom_data"

// env is a test database with the platform fixture and one namespace.
type env struct {
	d  *testdb.Database
	ns string
	db *gorm.DB // namespace-scoped, with the limit callbacks
}

func newEnv(t *testing.T, ns string, models ...any) *env {
	t.Helper()
	d := testdb.NewFixture(t)
	e := &env{d: d, ns: ns, db: d.Scoped(t, ns)}
	require.NoError(t, custommodel.RegisterCallbacks(e.db))
	e.apply(t, models...)
	return e
}

// apply runs the models' DDL as admin.
func (e *env) apply(t *testing.T, models ...any) {
	t.Helper()
	applyDDL(t, e.d.DB, e.ns, models...)
}

func applyDDL(t testing.TB, admin *gorm.DB, ns string, models ...any) {
	t.Helper()
	if len(models) == 0 {
		return
	}
	stmts, err := custommodel.DDL(ns, models...)
	require.NoError(t, err)
	for _, s := range stmts {
		require.NoError(t, admin.Exec(s).Error, s)
	}
}

// count returns the number of rows in ns.table.
func (e *env) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM "`+e.ns+`"."`+table+`"`).Scan(&n).Error)
	return n
}

// seedNote makes a patient, a staff member and a note, and returns the note.
func (e *env) seedNote(t *testing.T) *sdkmodel.Note {
	t.Helper()
	ctx := context.Background()
	p, err := sdkmodel.SeedPatient(ctx, e.d.DB, sdkmodel.Patient{FirstName: "Ada"})
	require.NoError(t, err)
	s, err := sdkmodel.SeedStaff(ctx, e.d.DB, sdkmodel.Staff{FirstName: "Grace"})
	require.NoError(t, err)
	n, err := sdkmodel.SeedNote(ctx, e.d.DB, sdkmodel.Note{PatientID: &p.DBID, ProviderID: &s.DBID, Title: "Visit"})
	require.NoError(t, err)
	return n
}
