package custommodel_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// ManyBadFields has unsupported fields of both kinds: types GORM's parser
// cannot take (chan, func, a struct without serializer) and types it parses
// but that have no column type (int16, uint, float32, a bad decimal).
type ManyBadFields struct {
	custommodel.CustomModel
	Small     int16
	Events    chan int
	Unsigned  uint
	Callback  func()
	Ratio     *float32
	Nested    struct{ A int }
	Money     decimal.Decimal `gorm:"precision:2;scale:5"`
	PatientID uint            // a link: its column takes the key type of the target
	Patient   *sdkmodel.Patient
	Fine      string
}

// TestDDLReportsEveryUnsupportedField is issue 12's: every unsupported
// field of a model is reported at once.
func TestDDLReportsEveryUnsupportedField(t *testing.T) {
	t.Parallel()
	stmts, err := custommodel.DDL("acme__fields", &ManyBadFields{})
	require.Error(t, err)
	assert.Nil(t, stmts)
	assert.ErrorIs(t, err, custommodel.ErrUnsupportedType)
	var fields []string
	for _, e := range unjoin(err) {
		var de *custommodel.DeclarationError
		require.ErrorAs(t, e, &de)
		assert.Equal(t, "ManyBadFields", de.Model)
		assert.NotEmpty(t, de.Fix, "%s", de)
		fields = append(fields, de.Field)
	}
	assert.ElementsMatch(t, []string{"Small", "Events", "Unsigned", "Callback", "Ratio", "Nested", "Money"}, fields, "%v", err)
	for _, want := range []string{"int16", "chan int", "uint", "func()", "*float32", "precision 2 and scale 5"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "PatientID", "a link's column takes its target's key type")
	assert.NotContains(t, err.Error(), "Fine")

	// Alone, the int16 field is reported as before, by the declaration
	// rules after parsing.
	type OnlySmall struct {
		custommodel.CustomModel
		Small int16
	}
	_, err = custommodel.DDL("acme__fields", &OnlySmall{})
	require.ErrorIs(t, err, custommodel.ErrUnsupportedType)
	assert.Contains(t, err.Error(), "model OnlySmall, field Small: has unsupported type int16")
}

// unjoin flattens errors.Join trees.
func unjoin(err error) []error {
	var out []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
