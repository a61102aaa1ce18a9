package codegen

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGoName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"dbid":                "DBID",
		"id":                  "ID",
		"npi_number":          "NPINumber",
		"patient":             "Patient",
		"note_type_version":   "NoteTypeVersion",
		"address_line_1":      "AddressLine1",
		"baseposting_ptr":     "BasepostingPtr",
		"supervised_notes":    "SupervisedNotes",
		"url":                 "URL",
		"__double__":          "Double",
		"BillingLineItem_set": "BillingLineItemSet",
	} {
		assert.Equal(t, want, goName(in), in)
	}
}

func TestValueName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"confirmed":   "Confirmed",
		"in-progress": "InProgress",
		"SNOMED CT":   "SNOMEDCT",
		"01":          "01",
		"":            "Empty",
		"http://x.y":  "HTTPXY",
		"é":           "Empty",
	} {
		assert.Equal(t, want, valueName(in), in)
	}
}

func TestBaseType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"bigint": "int64", "integer": "int32", "varchar(255)": "string", "numeric(10, 2)": "decimal.Decimal",
		"varchar(100)[]": "Array[string]", "integer[]": "Array[int32]", "interval[]": "Array[time.Duration]",
		"date": "civil.Date", "jsonb": "json.RawMessage", "uuid": "uuid.UUID",
	} {
		got, err := baseType(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := baseType("point")
	assert.Error(t, err)
}
