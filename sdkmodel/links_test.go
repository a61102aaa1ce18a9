package sdkmodel_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/customdatatest"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// ConditionFlag links to a Condition three ways: by dbid (the default), by
// its uuid id, and to the condition's Patient by the patient's key.
type ConditionFlag struct {
	custommodel.CustomModel
	ConditionID   int64
	Condition     *sdkmodel.Condition `gorm:"foreignKey:ConditionID;references:DBID"`
	ConditionUUID uuid.UUID
	ConditionByID *sdkmodel.Condition `gorm:"foreignKey:ConditionUUID;references:ID"`
	PatientKey    string
	Patient       *sdkmodel.Patient `gorm:"foreignKey:PatientKey;references:ID"`
	Reason        string
}

// ClaimRemark links to a Claim, whose table is not named
// canvas_sdk_data_api_*.
type ClaimRemark struct {
	custommodel.CustomModel
	ClaimID int64
	Claim   *sdkmodel.Claim `gorm:"foreignKey:ClaimID;references:DBID"`
	Text    string
}

// RemarkedClaim extends Claim with the remarks that point to it.
type RemarkedClaim struct {
	sdkmodel.Claim
	Remarks []ClaimRemark `gorm:"foreignKey:ClaimID;references:DBID"`
}

// VisitReview links to a Note; the chain goes on to the note's Patient.
type VisitReview struct {
	custommodel.CustomModel
	NoteID int64
	Note   *sdkmodel.Note `gorm:"foreignKey:NoteID;references:DBID"`
	Score  int32
}

// ReviewedPatient extends Patient with the custom rows that point to it.
type ReviewedPatient struct {
	sdkmodel.Patient
	Reviews []PatientReview `gorm:"foreignKey:PatientID;references:DBID"`
}

// PatientReview links to a Patient through the extension.
type PatientReview struct {
	custommodel.CustomModel
	PatientID int64
	Patient   *ReviewedPatient `gorm:"foreignKey:PatientID;references:DBID"`
	Stars     int32
}

const linksNS = "acme__sdk_links"

func installLinks(t *testing.T) (*customdatatest.Installed, *namespace.Handle) {
	t.Helper()
	p := customdatatest.Install(t, namespace.Plugin{
		Name:       "sdk_links",
		CustomData: manifest.CustomData{Namespace: linksNS, Access: manifest.ReadWrite},
		Models:     []any{&ConditionFlag{}, &ClaimRemark{}, &VisitReview{}, &PatientReview{}, &ReviewedPatient{}, &RemarkedClaim{}},
	})
	reader, err := p.Manager.Open(t.Context(), linksNS, p.Keys.Read)
	require.NoError(t, err)
	t.Cleanup(func() { _ = reader.Close() })
	return p, reader
}

// A link's column takes the type of the column it points to.
func TestLinksToAnySDKModelInstall(t *testing.T) {
	t.Parallel()
	p, _ := installLinks(t)
	var cols []struct{ TableName, ColumnName, DataType string }
	require.NoError(t, p.Manager.DB().Raw(`SELECT table_name, column_name, format_type(a.atttypid, a.atttypmod) AS data_type
FROM information_schema.columns c
JOIN pg_attribute a ON a.attrelid = to_regclass(quote_ident(c.table_schema) || '.' || quote_ident(c.table_name)) AND a.attname = c.column_name
WHERE c.table_schema = ? AND c.column_name IN ('condition_id', 'condition_uuid', 'patient_key', 'claim_id', 'note_id', 'patient_id')
ORDER BY 1, 2`, linksNS).Scan(&cols).Error)
	got := map[string]string{}
	for _, c := range cols {
		got[c.TableName+"."+c.ColumnName] = c.DataType
	}
	assert.Equal(t, map[string]string{
		"conditionflag.condition_id":   "bigint",
		"conditionflag.condition_uuid": "uuid",
		"conditionflag.patient_key":    "character varying(32)",
		"claimremark.claim_id":         "bigint",
		"visitreview.note_id":          "bigint",
		"patientreview.patient_id":     "bigint",
	}, got)
}

func TestReadHandleReadsLinksToConditionAndClaim(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p, reader := installLinks(t)
	admin := p.Manager.DB()
	patient, err := sdkmodel.SeedPatient(ctx, admin, sdkmodel.Patient{FirstName: "Ada"})
	require.NoError(t, err)
	cond, err := sdkmodel.Seed(ctx, admin, sdkmodel.Condition{PatientID: &patient.DBID})
	require.NoError(t, err)
	claim, err := sdkmodel.Seed(ctx, admin, sdkmodel.Claim{})
	require.NoError(t, err)
	w := p.Handle.DB(ctx)
	require.NoError(t, w.Create(&ConditionFlag{ConditionID: cond.DBID, ConditionUUID: cond.ID, PatientKey: patient.ID, Reason: "follow up"}).Error)
	require.NoError(t, w.Create(&ClaimRemark{ClaimID: claim.DBID, Text: "resubmit"}).Error)

	r := reader.DB(ctx)
	var flags []ConditionFlag
	require.NoError(t, r.Preload("Condition").Preload("ConditionByID").Preload("Patient").Find(&flags).Error)
	require.Len(t, flags, 1)
	require.NotNil(t, flags[0].Condition)
	assert.Equal(t, cond.ID, flags[0].Condition.ID)
	require.NotNil(t, flags[0].ConditionByID, "the link by uuid")
	assert.Equal(t, cond.DBID, flags[0].ConditionByID.DBID)
	require.NotNil(t, flags[0].Patient, "the link by the patient's key")
	assert.Equal(t, "Ada", flags[0].Patient.FirstName)

	var remarks []ClaimRemark
	err = r.Preload("Claim").Find(&remarks).Error
	require.NoError(t, err)
	require.Len(t, remarks, 1)
	require.NotNil(t, remarks[0].Claim)
	assert.Equal(t, claim.ID, remarks[0].Claim.ID)

	var claims []RemarkedClaim
	require.NoError(t, r.Preload("Remarks").Find(&claims).Error, "from the extension of Claim to its custom rows")
	require.Len(t, claims, 1)
	require.Len(t, claims[0].Remarks, 1)
	assert.Equal(t, "resubmit", claims[0].Remarks[0].Text)
}

// stmtRecorder is a GORM logger that keeps the statements it sees.
type stmtRecorder struct {
	mu    sync.Mutex
	stmts []string
}

func (r *stmtRecorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *stmtRecorder) Info(context.Context, string, ...any)     {}
func (r *stmtRecorder) Warn(context.Context, string, ...any)     {}
func (r *stmtRecorder) Error(context.Context, string, ...any)    {}
func (r *stmtRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

func (r *stmtRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

// Preload("Note.Patient") from a custom model: one query per level, and
// from an extension of Patient down to its custom rows.
func TestNavigationComposes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p, reader := installLinks(t)
	admin := p.Manager.DB()
	var notes []*sdkmodel.Note
	for _, name := range []string{"Ada", "Grace"} {
		pt, err := sdkmodel.SeedPatient(ctx, admin, sdkmodel.Patient{FirstName: name})
		require.NoError(t, err)
		n, err := sdkmodel.SeedNote(ctx, admin, sdkmodel.Note{PatientID: &pt.DBID, Title: name + "'s visit"})
		require.NoError(t, err)
		notes = append(notes, n)
		require.NoError(t, p.Handle.DB(ctx).Create(&PatientReview{PatientID: pt.DBID, Stars: 5}).Error)
	}
	for i, n := range notes {
		require.NoError(t, p.Handle.DB(ctx).Create(&VisitReview{NoteID: n.DBID, Score: int32(i + 1)}).Error)
	}

	rec := &stmtRecorder{}
	r := reader.DB(ctx).Session(&gorm.Session{Logger: rec})
	var reviews []VisitReview
	require.NoError(t, r.Preload("Note.Patient").Order("score").Find(&reviews).Error)
	stmts := rec.take()
	require.Len(t, stmts, 3, "one query per level: %q", stmts)
	// GORM logs a statement when it completes: the preloads come first.
	for _, table := range []string{`"` + linksNS + `"."visitreview"`, `"public"."` + sdkmodel.NoteTable + `"`, `"public"."` + sdkmodel.PatientTable + `"`} {
		n := 0
		for _, s := range stmts {
			if strings.HasPrefix(s, "SELECT ") && strings.Contains(s, " FROM "+table) {
				n++
			}
		}
		assert.Equal(t, 1, n, "one query reads %s: %q", table, stmts)
	}
	require.Len(t, reviews, 2)
	for i, name := range []string{"Ada", "Grace"} {
		require.NotNil(t, reviews[i].Note)
		require.NotNil(t, reviews[i].Note.Patient)
		assert.Equal(t, name, reviews[i].Note.Patient.FirstName)
	}

	var patients []ReviewedPatient
	require.NoError(t, r.Preload("Reviews").Preload("Notes").Order("dbid").Find(&patients).Error)
	assert.Len(t, rec.take(), 3, "patients, their reviews, their notes")
	require.Len(t, patients, 2)
	for _, pt := range patients {
		require.Len(t, pt.Reviews, 1)
		assert.EqualValues(t, 5, pt.Reviews[0].Stars)
		require.Len(t, pt.Notes, 1)
	}
}
