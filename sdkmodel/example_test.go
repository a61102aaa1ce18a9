package sdkmodel_test

import (
	"context"
	"fmt"
	"log"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/customdatatest"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

func ExamplePlatformTables() {
	tables := sdkmodel.PlatformTables()
	fmt.Println(len(tables), "tables, among them:")
	for _, t := range tables {
		if t == sdkmodel.PatientTable || t == sdkmodel.ClaimTable {
			fmt.Println(sdkmodel.Schema + "." + t)
		}
	}
	// Output:
	// 214 tables, among them:
	// public.canvas_sdk_data_api_patient_001
	// public.canvas_sdk_data_quality_and_revenue_claim_001
}

// A test builds the platform tables and seeds a patient's note.
func ExampleSeedNote() {
	var (
		ctx   = context.Background()
		admin *gorm.DB // an admin connection to a test database
	)
	if err := sdkmodel.CreateFixtureTables(ctx, admin); err != nil {
		log.Fatal(err)
	}
	p, err := sdkmodel.SeedPatient(ctx, admin, sdkmodel.Patient{FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		log.Fatal(err)
	}
	n, err := sdkmodel.SeedNote(ctx, admin, sdkmodel.Note{PatientID: &p.DBID, Title: "Office visit"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.DBID != 0)
}

// NoteReview is a plugin's custom model: a score given to a note.
type NoteReview struct {
	custommodel.CustomModel
	NoteID int64
	Note   *sdkmodel.Note `gorm:"foreignKey:NoteID;references:DBID"`
	Score  int32
}

// From a custom model to the platform's Note and on to its Patient, in one
// Preload chain (one query per level), through a read handle.
func Example() {
	ctx := context.Background()
	// A throwaway database holding the platform's tables (in a plugin's
	// tests; the platform has them already).
	db, err := customdatatest.Create(ctx, customdatatest.FixtureConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer db.Drop(ctx)
	m, err := namespace.NewManager(ctx, db.DSN)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	inst, err := m.Install(ctx, namespace.Plugin{
		Name:       "note_reviews",
		CustomData: manifest.CustomData{Namespace: "acme__note_reviews", Access: manifest.ReadWrite},
		Models:     []any{&NoteReview{}},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The platform's rows.
	patient, err := sdkmodel.SeedPatient(ctx, m.DB(), sdkmodel.Patient{FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		log.Fatal(err)
	}
	note, err := sdkmodel.SeedNote(ctx, m.DB(), sdkmodel.Note{PatientID: &patient.DBID, Title: "Office visit"})
	if err != nil {
		log.Fatal(err)
	}

	// The plugin writes a review, and reads it back with its note and patient.
	rw, err := m.Open(ctx, "acme__note_reviews", inst.Keys.ReadWrite)
	if err != nil {
		log.Fatal(err)
	}
	defer rw.Close()
	if err := rw.DB(ctx).Create(&NoteReview{NoteID: note.DBID, Score: 5}).Error; err != nil {
		log.Fatal(err)
	}
	r, err := m.Open(ctx, "acme__note_reviews", inst.Keys.Read)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	var reviews []NoteReview
	if err := r.DB(ctx).Preload("Note.Patient").Find(&reviews).Error; err != nil {
		log.Fatal(err)
	}
	for _, rv := range reviews {
		fmt.Printf("%d stars for %q, %s %s\n", rv.Score, rv.Note.Title, rv.Note.Patient.FirstName, rv.Note.Patient.LastName)
	}
	// Output: 5 stars for "Office visit", Ada Lovelace
}
