package sdkmodel_test

import (
	"context"
	"fmt"
	"log"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

func ExampleTables() {
	for _, t := range sdkmodel.Tables() {
		fmt.Println(sdkmodel.Schema + "." + t)
	}
	// Output:
	// public.canvas_sdk_data_api_patient_001
	// public.canvas_sdk_data_api_staff_001
	// public.canvas_sdk_data_api_notetype_001
	// public.canvas_sdk_data_api_note_001
	// public.canvas_sdk_data_api_appointment_001
	// public.canvas_sdk_data_api_task_001
}

// A test builds the stand-in platform tables and seeds a patient's note.
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
	n, err := sdkmodel.SeedNote(ctx, admin, sdkmodel.Note{PatientID: p.DBID, Title: "Office visit"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.DBID != 0)
}
