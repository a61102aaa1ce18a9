package sdkmodel_test

import (
	"context"
	"fmt"
	"log"

	"gorm.io/gorm"

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
