package custommodel_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

func TestLimitsRefusedBeforeWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "acme__limits", &Room{}, &EveryType{})
	require.NoError(t, custommodel.RegisterCallbacks(e.db), "idempotent")

	long := strings.Repeat("é", custommodel.MaxValueLength+1) // 2 bytes a rune: counted in characters
	atLimit := strings.Repeat("é", custommodel.MaxValueLength)
	longJSON := json.RawMessage(`"` + strings.Repeat("x", custommodel.MaxValueLength) + `"`)
	rooms := make([]Room, custommodel.MaxBulkRows+1)
	for i := range rooms {
		rooms[i].Name = "r" + strconv.Itoa(i)
	}
	cases := []struct {
		name  string
		write func() error
		want  error
		field string
		got   int
	}{
		{"text create", func() error { return e.db.Create(&EveryType{Text: long}).Error }, custommodel.ErrValueTooLong, "Text", custommodel.MaxValueLength + 1},
		{"text pointer", func() error { return e.db.Create(&EveryType{MaybeText: &long}).Error }, custommodel.ErrValueTooLong, "MaybeText", custommodel.MaxValueLength + 1},
		{"raw JSON", func() error { return e.db.Create(&EveryType{Raw: longJSON}).Error }, custommodel.ErrValueTooLong, "Raw", custommodel.MaxValueLength + 2},
		{"serialized JSON", func() error {
			return e.db.Create(&EveryType{Meta: map[string]any{"k": atLimit}}).Error
		}, custommodel.ErrValueTooLong, "Meta", custommodel.MaxValueLength + 8},
		{"update map", func() error {
			return e.db.Model(&EveryType{}).Where("dbid = ?", 1).Updates(map[string]any{"text": long}).Error
		}, custommodel.ErrValueTooLong, "text", custommodel.MaxValueLength + 1},
		{"save", func() error {
			return e.db.Save(&EveryType{CustomModel: custommodel.CustomModel{DBID: 1}, Text: long}).Error
		}, custommodel.ErrValueTooLong, "Text", custommodel.MaxValueLength + 1},
		{"bulk create", func() error { return e.db.Create(&rooms).Error }, custommodel.ErrTooManyRows, "", custommodel.MaxBulkRows + 1},
		{"get or create", func() error {
			_, _, err := custommodel.GetOrCreate(t.Context(), e.db, custommodel.Lookup{"dbid": 5}, &EveryType{Text: long})
			return err
		}, custommodel.ErrValueTooLong, "Text", custommodel.MaxValueLength + 1},
		{"update or create", func() error {
			_, _, err := custommodel.UpdateOrCreate(t.Context(), e.db, custommodel.Lookup{"dbid": 5}, &EveryType{Text: long})
			return err
		}, custommodel.ErrValueTooLong, "Text", custommodel.MaxValueLength + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.write()
			require.ErrorIs(t, err, c.want)
			var le *custommodel.LimitError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, c.field, le.Field)
			assert.Equal(t, c.got, le.Got)
			assert.Contains(t, err.Error(), "refused")
		})
	}
	assert.Zero(t, e.count(t, "everytype"))
	assert.Zero(t, e.count(t, "room"))

	// At the limits, writes go through.
	require.NoError(t, e.db.Create(&EveryType{Text: atLimit, Day: dateOf(2026, 1, 1)}).Error)
	require.NoError(t, e.db.Create(rooms[:custommodel.MaxBulkRows]).Error)
	assert.EqualValues(t, 1, e.count(t, "everytype"))
	assert.EqualValues(t, custommodel.MaxBulkRows, e.count(t, "room"))
}
