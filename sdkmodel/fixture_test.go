package sdkmodel_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

func TestTableNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		model interface{ TableName() string }
		want  string
	}{
		{sdkmodel.Patient{}, "public.canvas_sdk_data_api_patient_001"},
		{sdkmodel.Staff{}, "public.canvas_sdk_data_api_staff_001"},
		{sdkmodel.NoteType{}, "public.canvas_sdk_data_api_notetype_001"},
		{sdkmodel.Note{}, "public.canvas_sdk_data_api_note_001"},
		{sdkmodel.Appointment{}, "public.canvas_sdk_data_api_appointment_001"},
		{sdkmodel.Task{}, "public.canvas_sdk_data_api_task_001"},
	}
	var fromTables []string
	for _, tbl := range sdkmodel.Tables() {
		fromTables = append(fromTables, sdkmodel.Schema+"."+tbl)
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.model.TableName())
		assert.Contains(t, fromTables, c.want)
	}
	assert.Len(t, fromTables, len(cases))
}

func TestFixtureIsIdempotentAndSeeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB))
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB), "second run must be a no-op")

	p, err := sdkmodel.SeedPatient(ctx, d.DB, sdkmodel.Patient{FirstName: "Ada", LastName: "Lovelace"})
	require.NoError(t, err)
	assert.NotZero(t, p.DBID)
	assert.Len(t, p.Key, 32)
	s, err := sdkmodel.SeedStaff(ctx, d.DB, sdkmodel.Staff{FirstName: "Grace"})
	require.NoError(t, err)
	nt, err := sdkmodel.SeedNoteType(ctx, d.DB, sdkmodel.NoteType{})
	require.NoError(t, err)
	n, err := sdkmodel.SeedNote(ctx, d.DB, sdkmodel.Note{PatientID: p.DBID, ProviderID: s.DBID, NoteTypeVersionID: nt.DBID, Title: "Visit"})
	require.NoError(t, err)
	_, err = sdkmodel.SeedAppointment(ctx, d.DB, sdkmodel.Appointment{PatientID: p.DBID, ProviderID: s.DBID})
	require.NoError(t, err)
	_, err = sdkmodel.SeedTask(ctx, d.DB, sdkmodel.Task{PatientID: p.DBID, AssigneeID: s.DBID, Title: "Call back"})
	require.NoError(t, err)

	var got sdkmodel.Note
	require.NoError(t, d.DB.First(&got, n.DBID).Error)
	assert.Equal(t, n.ID, got.ID)
	assert.Equal(t, p.DBID, got.PatientID)
	var gotP sdkmodel.Patient
	require.NoError(t, d.DB.First(&gotP, p.DBID).Error)
	assert.Equal(t, "Ada", gotP.FirstName)
	assert.Equal(t, p.BirthDate, gotP.BirthDate)

	_, err = sdkmodel.SeedNote(ctx, d.DB, sdkmodel.Note{})
	assert.ErrorIs(t, err, sdkmodel.ErrMissingLink)
}

func TestSeedRequiresOnlyThePatientLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB))
	_, err := sdkmodel.SeedAppointment(ctx, d.DB, sdkmodel.Appointment{})
	assert.ErrorIs(t, err, sdkmodel.ErrMissingLink)
	p, err := sdkmodel.SeedPatient(ctx, d.DB, sdkmodel.Patient{})
	require.NoError(t, err)
	n, err := sdkmodel.SeedNote(ctx, d.DB, sdkmodel.Note{PatientID: p.DBID})
	require.NoError(t, err, "ProviderID is optional")
	assert.Zero(t, n.ProviderID)
	_, err = sdkmodel.SeedTask(ctx, d.DB, sdkmodel.Task{})
	require.NoError(t, err, "a task's links are optional")
}

// The platform's tables have more columns than the structs declare: GORM
// selects them all and scans the declared ones.
func TestStructsReadTablesWithMoreColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB))
	require.NoError(t, d.DB.Exec(`ALTER TABLE public.`+sdkmodel.PatientTable+` ADD COLUMN nickname text DEFAULT 'Addie'`).Error)
	p, err := sdkmodel.SeedPatient(ctx, d.DB, sdkmodel.Patient{FirstName: "Ada"})
	require.NoError(t, err)
	var got sdkmodel.Patient
	require.NoError(t, d.DB.First(&got, p.DBID).Error)
	assert.Equal(t, "Ada", got.FirstName)
}

func TestStructsMatchFixtureColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB))
	models := []any{&sdkmodel.Patient{}, &sdkmodel.Staff{}, &sdkmodel.NoteType{}, &sdkmodel.Note{}, &sdkmodel.Appointment{}, &sdkmodel.Task{}}
	for i, tbl := range sdkmodel.Tables() {
		var cols []string
		require.NoError(t, d.DB.Raw(`SELECT column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position`, tbl).Scan(&cols).Error)
		s, err := schema.Parse(models[i], &sync.Map{}, schema.NamingStrategy{})
		require.NoError(t, err)
		assert.Equal(t, sdkmodel.Schema+"."+tbl, s.Table)
		assert.ElementsMatch(t, cols, s.DBNames, tbl)
	}
}
