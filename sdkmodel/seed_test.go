package sdkmodel_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/canvas-sdk-go/customdata/civil"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

func fixtureDB(t *testing.T) *testdb.Database {
	t.Helper()
	d := testdb.NewFixture(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(context.Background(), d.DB), "a no-op on the fixture's clone")
	return d
}

func TestFixtureIsIdempotentAndSeeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := fixtureDB(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB), "second run must be a no-op")

	p, err := sdkmodel.SeedPatient(ctx, d.DB, sdkmodel.Patient{FirstName: "Ada", LastName: "Lovelace"})
	require.NoError(t, err)
	assert.NotZero(t, p.DBID)
	assert.Len(t, p.ID, 32, "the key column gets 32 hex digits")
	assert.Equal(t, civil.Date{Year: 1980, Month: time.January, Day: 1}, p.BirthDate)
	assert.True(t, p.SexAtBirth.Valid(), "a column with choices gets one of them: %q", p.SexAtBirth)
	s, err := sdkmodel.SeedStaff(ctx, d.DB, sdkmodel.Staff{FirstName: "Grace"})
	require.NoError(t, err)
	nt, err := sdkmodel.SeedNoteType(ctx, d.DB, sdkmodel.NoteType{})
	require.NoError(t, err)
	assert.Equal(t, "Office visit", nt.Name)
	n, err := sdkmodel.SeedNote(ctx, d.DB, sdkmodel.Note{PatientID: &p.DBID, ProviderID: &s.DBID, NoteTypeVersionID: nt.DBID, Title: "Visit"})
	require.NoError(t, err)
	assert.NotEqual(t, uuid.Nil, n.ID)
	assert.JSONEq(t, `{}`, string(n.Body))
	_, err = sdkmodel.SeedAppointment(ctx, d.DB, sdkmodel.Appointment{PatientID: &p.DBID, ProviderID: &s.DBID})
	require.NoError(t, err)
	_, err = sdkmodel.SeedTask(ctx, d.DB, sdkmodel.Task{PatientID: &p.DBID, AssigneeID: &s.DBID, Title: "Call back"})
	require.NoError(t, err)

	var got sdkmodel.Note
	require.NoError(t, d.DB.Preload("Patient").Preload("Provider").Preload("NoteTypeVersion").First(&got, n.DBID).Error)
	assert.Equal(t, n.ID, got.ID)
	require.NotNil(t, got.Patient)
	assert.Equal(t, "Ada", got.Patient.FirstName)
	require.NotNil(t, got.Provider)
	assert.Equal(t, "Grace", got.Provider.FirstName)
	require.NotNil(t, got.NoteTypeVersion)
	assert.Equal(t, nt.DBID, got.NoteTypeVersion.DBID)

	var joined sdkmodel.Note
	require.NoError(t, d.DB.Joins("Patient").Joins("NoteTypeVersion").First(&joined, "canvas_sdk_data_api_note_001.dbid = ?", n.DBID).Error)
	require.NotNil(t, joined.Patient)
	assert.Equal(t, "Ada", joined.Patient.FirstName)
	require.NotNil(t, joined.NoteTypeVersion)
	assert.Equal(t, "Office visit", joined.NoteTypeVersion.Name)

	var back sdkmodel.Patient
	require.NoError(t, d.DB.Preload("Notes").First(&back, p.DBID).Error)
	require.Len(t, back.Notes, 1)
	assert.Equal(t, n.DBID, back.Notes[0].DBID)
}

func TestSeedFillsRequiredParents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := fixtureDB(t)
	n, err := sdkmodel.Seed(ctx, d.DB, sdkmodel.Note{Title: "no patient"})
	require.NoError(t, err, "Seed itself follows the platform: a note's patient is nullable")
	assert.Nil(t, n.PatientID)
	assert.NotZero(t, n.NoteTypeVersionID, "the required NoteType is created")
	var count int64
	require.NoError(t, d.DB.Model(&sdkmodel.NoteType{}).Where("dbid = ?", n.NoteTypeVersionID).Count(&count).Error)
	assert.EqualValues(t, 1, count)

	c, err := sdkmodel.Seed(ctx, d.DB, sdkmodel.Claim{})
	require.NoError(t, err)
	assert.NotZero(t, c.DBID)
}

// Every platform table can be seeded with its required parents, and every
// model reads its rows back: nullable columns NULL, and set.
func TestSeedEveryTableAndReadEveryModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := fixtureDB(t)
	keys := map[string][]any{}
	for _, table := range sdkmodel.PlatformTables() {
		for _, full := range []bool{false, true} {
			key, err := sdkmodel.SeedTable(ctx, d.DB, table, full)
			if assert.NoError(t, err, table) {
				assert.NotNil(t, key, table)
				keys[table] = append(keys[table], key)
			}
		}
	}
	for _, m := range sdkmodel.Models() {
		stmt := &gorm.Statement{DB: d.DB}
		require.NoError(t, stmt.Parse(m))
		table := strings.TrimPrefix(stmt.Schema.Table, "public.")
		pk := stmt.Schema.PrimaryFields[0].DBName
		for _, key := range keys[table] {
			row := reflect.New(reflect.TypeOf(m).Elem()).Interface()
			if assert.NoError(t, d.DB.Where(clause.Eq{Column: clause.Column{Name: pk}, Value: key}).Take(row).Error, "%s %v", table, key) {
				v, zero := stmt.Schema.PrimaryFields[0].ValueOf(ctx, reflect.ValueOf(row).Elem())
				assert.False(t, zero, table)
				assert.EqualValues(t, key, v, table)
			}
		}
	}
}

func TestSeedRequiresOnlyThePatientLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := fixtureDB(t)
	_, err := sdkmodel.SeedAppointment(ctx, d.DB, sdkmodel.Appointment{})
	assert.ErrorIs(t, err, sdkmodel.ErrMissingLink)
	_, err = sdkmodel.SeedNote(ctx, d.DB, sdkmodel.Note{})
	assert.ErrorIs(t, err, sdkmodel.ErrMissingLink)
	p, err := sdkmodel.SeedPatient(ctx, d.DB, sdkmodel.Patient{})
	require.NoError(t, err)
	n, err := sdkmodel.SeedNote(ctx, d.DB, sdkmodel.Note{PatientID: &p.DBID})
	require.NoError(t, err, "ProviderID is optional")
	assert.Nil(t, n.ProviderID)
	_, err = sdkmodel.SeedTask(ctx, d.DB, sdkmodel.Task{})
	require.NoError(t, err, "a task's links are optional")
}

func TestSeedRefusesNilDBAndUnknownTypes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := sdkmodel.SeedPatient(ctx, nil, sdkmodel.Patient{})
	assert.ErrorIs(t, err, sdkmodel.ErrNilDB)
	_, err = sdkmodel.SeedNote(ctx, nil, sdkmodel.Note{PatientID: new(int64(1))})
	assert.ErrorIs(t, err, sdkmodel.ErrNilDB)
	assert.ErrorIs(t, sdkmodel.CreateFixtureTables(ctx, nil), sdkmodel.ErrNilDB)
	d := fixtureDB(t)
	_, err = sdkmodel.Seed(ctx, d.DB, struct{ Name string }{})
	assert.ErrorIs(t, err, sdkmodel.ErrUnknownModel)
	_, err = sdkmodel.Seed(ctx, d.DB, 42)
	assert.ErrorIs(t, err, sdkmodel.ErrUnknownModel)
	_, err = sdkmodel.Seed(ctx, d.DB, &sdkmodel.Patient{})
	assert.ErrorIs(t, err, sdkmodel.ErrUnknownModel)
	assert.ErrorContains(t, err, "not a pointer")
	_, err = sdkmodel.Seed[any](ctx, d.DB, nil)
	assert.ErrorIs(t, err, sdkmodel.ErrUnknownModel)
	ext, err := sdkmodel.Seed(ctx, d.DB, ReviewedPatient{Patient: sdkmodel.Patient{FirstName: "Ext"}})
	require.NoError(t, err, "a struct embedding a model seeds the model's table")
	assert.Equal(t, "Ext", ext.FirstName)
}

// Arrays, json, decimals and nullable columns round-trip.
func TestColumnTypesRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := fixtureDB(t)
	tz := "Europe/London"
	p, err := sdkmodel.SeedPatient(ctx, d.DB, sdkmodel.Patient{
		BiologicalRaceCodes: sdkmodel.Array[string]{"2106-3", "a,b \"c\""},
		LastKnownTimezone:   &tz,
	})
	require.NoError(t, err)
	s, err := sdkmodel.SeedStaff(ctx, d.DB, sdkmodel.Staff{PreviousNames: json.RawMessage(`["Hopper"]`)})
	require.NoError(t, err)

	var got sdkmodel.Patient
	require.NoError(t, d.DB.First(&got, p.DBID).Error)
	assert.Equal(t, sdkmodel.Array[string]{"2106-3", "a,b \"c\""}, got.BiologicalRaceCodes)
	assert.Equal(t, sdkmodel.Array[string]{}, got.CulturalEthnicityCodes, "a nil Array is stored as {}")
	require.NotNil(t, got.LastKnownTimezone)
	assert.Equal(t, tz, *got.LastKnownTimezone)
	assert.Nil(t, got.DeceasedDatetime)
	var gotS sdkmodel.Staff
	require.NoError(t, d.DB.First(&gotS, s.DBID).Error)
	assert.JSONEq(t, `["Hopper"]`, string(gotS.PreviousNames))
}

func TestArrayScansEveryElementType(t *testing.T) {
	t.Parallel()
	var s sdkmodel.Array[string]
	require.NoError(t, s.Scan(`{a,"b c"}`))
	assert.Equal(t, sdkmodel.Array[string]{"a", "b c"}, s)
	assert.ErrorContains(t, s.Scan(`{a,NULL}`), "NULL", "the platform's arrays hold no NULL elements")
	var i sdkmodel.Array[int32]
	require.NoError(t, i.Scan([]byte(`{1,2,3}`)))
	assert.Equal(t, sdkmodel.Array[int32]{1, 2, 3}, i)
	v, err := i.Value()
	require.NoError(t, err)
	assert.Equal(t, "{1,2,3}", v)
	var iv sdkmodel.Array[time.Duration]
	require.NoError(t, iv.Scan(`{"00:01:30","2 days"}`))
	assert.Equal(t, sdkmodel.Array[time.Duration]{90 * time.Second, 48 * time.Hour}, iv)
	v, err = iv.Value()
	require.NoError(t, err)
	var back sdkmodel.Array[time.Duration]
	require.NoError(t, back.Scan(v))
	assert.Equal(t, iv, back)
	v, err = sdkmodel.Array[string]{"a", "b c", `q"`}.Value()
	require.NoError(t, err)
	assert.Equal(t, `{a,"b c","q\""}`, v)
	require.NoError(t, iv.Scan(nil))
	assert.Nil(t, iv)
	assert.Error(t, iv.Scan(42))
}

func TestChoicesValid(t *testing.T) {
	t.Parallel()
	assert.True(t, sdkmodel.AppointmentStatusConfirmed.Valid())
	assert.Equal(t, sdkmodel.AppointmentStatus("confirmed"), sdkmodel.AppointmentStatusConfirmed)
	assert.False(t, sdkmodel.AppointmentStatus("Confirmed").Valid())
	assert.False(t, sdkmodel.AppointmentStatus("").Valid())
}

// A many-to-many field reads through its join table.
func TestManyToManyPreload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := fixtureDB(t)
	ev, err := sdkmodel.Seed(ctx, d.DB, sdkmodel.Event{})
	require.NoError(t, err)
	var types []int64
	for _, name := range []string{"Office visit", "Phone call"} {
		nt, err := sdkmodel.SeedNoteType(ctx, d.DB, sdkmodel.NoteType{Name: name})
		require.NoError(t, err)
		types = append(types, nt.DBID)
		require.NoError(t, d.DB.Exec(`INSERT INTO public.canvas_sdk_data_calendars_event_allowed_note_types_001 (event_id, notetype_id) VALUES (?, ?)`, ev.DBID, nt.DBID).Error)
	}
	var got sdkmodel.Event
	require.NoError(t, d.DB.Preload("AllowedNoteTypes").First(&got, ev.DBID).Error)
	require.Len(t, got.AllowedNoteTypes, 2)
	assert.ElementsMatch(t, types, []int64{got.AllowedNoteTypes[0].DBID, got.AllowedNoteTypes[1].DBID})
}

// A database that lacks some platform table gets it back.
func TestCreateFixtureTablesCompletesAPartialFixture(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := fixtureDB(t)
	require.NoError(t, d.DB.Exec("DROP TABLE public."+sdkmodel.ClaimTable).Error)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, d.DB))
	_, err := sdkmodel.Seed(ctx, d.DB, sdkmodel.Claim{})
	assert.NoError(t, err)
}
