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
	seed := EveryType{Text: "seed", Day: dateOf(2026, 1, 1)}
	require.NoError(t, e.db.Create(&seed).Error)
	id := seed.DBID

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
			return e.db.Model(&EveryType{}).Where("dbid = ?", id).Updates(map[string]any{"text": long}).Error
		}, custommodel.ErrValueTooLong, "text", custommodel.MaxValueLength + 1},
		{"save", func() error {
			return e.db.Save(&EveryType{CustomModel: custommodel.CustomModel{DBID: id}, Text: long}).Error
		}, custommodel.ErrValueTooLong, "Text", custommodel.MaxValueLength + 1},
		{"update struct", func() error {
			row := seed
			return e.db.Model(&row).Updates(EveryType{Text: long}).Error
		}, custommodel.ErrValueTooLong, "Text", custommodel.MaxValueLength + 1},
		{"update pointer by condition", func() error {
			return e.db.Where("dbid = ?", id).Updates(&EveryType{MaybeText: &long}).Error
		}, custommodel.ErrValueTooLong, "MaybeText", custommodel.MaxValueLength + 1},
		{"update model by condition", func() error {
			return e.db.Model(&EveryType{}).Where("dbid = ?", id).Updates(&EveryType{MaybeText: &long}).Error
		}, custommodel.ErrValueTooLong, "MaybeText", custommodel.MaxValueLength + 1},
		{"create slice of maps", func() error {
			return e.db.Model(&EveryType{}).Create(&[]map[string]any{{"text": "ok"}, {"text": long}}).Error
		}, custommodel.ErrValueTooLong, "text", custommodel.MaxValueLength + 1},
		{"create in batches", func() error {
			over := make([]Room, custommodel.MaxBulkRows+5000)
			for i := range over {
				over[i].Name = "b" + strconv.Itoa(i)
			}
			return e.db.CreateInBatches(over, custommodel.MaxBulkRows).Error
		}, custommodel.ErrTooManyRows, "", custommodel.MaxBulkRows + 5000},
		{"create in small batches", func() error {
			over := make([]Room, custommodel.MaxBulkRows+1)
			for i := range over {
				over[i].Name = "s" + strconv.Itoa(i)
			}
			return e.db.CreateInBatches(&over, 1000).Error
		}, custommodel.ErrTooManyRows, "", custommodel.MaxBulkRows + 1},
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
	assert.EqualValues(t, 1, e.count(t, "everytype"), "only the seeded row")
	assert.Zero(t, e.count(t, "room"))
	var after EveryType
	require.NoError(t, e.db.First(&after, id).Error)
	assert.Equal(t, "seed", after.Text, "the seeded row is unchanged")
	assert.Nil(t, after.MaybeText)

	// At the limits, writes go through.
	require.NoError(t, e.db.Create(&EveryType{Text: atLimit, Day: dateOf(2026, 1, 1)}).Error)
	require.NoError(t, e.db.Model(&after).Updates(EveryType{Text: atLimit}).Error)
	require.NoError(t, e.db.Create(rooms[:custommodel.MaxBulkRows]).Error)
	assert.EqualValues(t, 2, e.count(t, "everytype"))
	assert.EqualValues(t, custommodel.MaxBulkRows, e.count(t, "room"))
	batch := make([]Room, custommodel.MaxBulkRows)
	for i := range batch {
		batch[i].Name = "batch" + strconv.Itoa(i)
	}
	require.NoError(t, e.db.CreateInBatches(batch, 3000).Error)
	assert.EqualValues(t, 2*custommodel.MaxBulkRows, e.count(t, "room"))
}
