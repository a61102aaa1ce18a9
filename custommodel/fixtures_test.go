package custommodel_test

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/canvas-sdk-go/customdata/civil"
)

func dateOf(y int, m time.Month, d int) civil.Date { return civil.Date{Year: y, Month: m, Day: d} }

func everyTypeSample() EveryType {
	day := dateOf(2026, 11, 25)
	return EveryType{
		Text:     "héllo",
		Int32:    -7,
		Int64:    1 << 40,
		Int:      42,
		Float:    3.25,
		Amount:   decimal.RequireFromString("1234.5678901234"),
		Price:    decimal.RequireFromString("19.99"),
		Flag:     true,
		Day:      day,
		At:       time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC),
		UUID:     uuid.MustParse("89992c23-c298-4118-864a-26cb3e1ae822"),
		Raw:      json.RawMessage(`{"k": [1, 2]}`),
		Meta:     map[string]any{"x": "y"},
		Tags:     []string{"a", "b"},
		Address:  Address{Street: "1 Main St", City: "Springfield"},
		MaybeDay: &day,
	}
}
