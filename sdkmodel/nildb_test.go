package sdkmodel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// TestNilDBEveryFunction: each function that takes a *gorm.DB refuses a
// nil one with ErrNilDB and does not panic.
func TestNilDBEveryFunction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	id := int64(1)
	cases := []struct {
		name string
		call func() error
	}{
		{"CreateFixtureTables", func() error { return sdkmodel.CreateFixtureTables(ctx, nil) }},
		{"Seed", func() error { _, err := sdkmodel.Seed(ctx, nil, sdkmodel.Staff{}); return err }},
		{"SeedPatient", func() error { _, err := sdkmodel.SeedPatient(ctx, nil, sdkmodel.Patient{}); return err }},
		{"SeedStaff", func() error { _, err := sdkmodel.SeedStaff(ctx, nil, sdkmodel.Staff{}); return err }},
		{"SeedNoteType", func() error { _, err := sdkmodel.SeedNoteType(ctx, nil, sdkmodel.NoteType{}); return err }},
		{"SeedNote", func() error { _, err := sdkmodel.SeedNote(ctx, nil, sdkmodel.Note{PatientID: &id}); return err }},
		{"SeedAppointment", func() error {
			_, err := sdkmodel.SeedAppointment(ctx, nil, sdkmodel.Appointment{PatientID: &id})
			return err
		}},
		{"SeedTask", func() error { _, err := sdkmodel.SeedTask(ctx, nil, sdkmodel.Task{}); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = c.call() })
			require.ErrorIs(t, err, sdkmodel.ErrNilDB)
			assert.ErrorContains(t, err, "sdkmodel: ")
		})
	}
}
