package attributehub

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/canvas-sdk-go/customdata/civil"
)

// selectValues returns the select-list of the value columns of alias a, in
// Kind order. Decimals come back as text so that nothing passes through
// float64; dates as to_char(..., 'YYYY-MM-DD'), whose output, unlike
// date::text, does not depend on the session's DateStyle. Timestamps travel
// in binary, independent of DateStyle and TimeZone.
func selectValues(a string) string {
	return a + ".text_value, " + a + ".int_value, " + a + ".decimal_value::text, " + a + ".bool_value, " +
		"to_char(" + a + ".date_value, 'YYYY-MM-DD'), " + a + ".timestamp_value, " + a + ".json_value::text"
}

// storedRow receives the value columns of one custom_attribute row. Its
// fields are pgtype values, which pgx scans into directly and which are
// sql.Scanners for database/sql; a scan sets every field, so a row may be
// reused.
type storedRow struct {
	text pgtype.Text
	i    pgtype.Int8
	dec  pgtype.Text
	b    pgtype.Bool
	date pgtype.Text
	ts   pgtype.Timestamptz
	json pgtype.Text
}

// dest returns the Scan destinations in selectValues order.
func (r *storedRow) dest() []any {
	return []any{&r.text, &r.i, &r.dec, &r.b, &r.date, &r.ts, &r.json}
}

// value converts the row to its Go value. If a row written by other code has
// more than one value column set, the one Canvas's Python SDK reads wins:
// text, date, timestamp, int, decimal, bool, json (CustomAttribute.value's
// order). A value that has no Go form (a decimal NaN written by other code)
// is an error wrapping ErrInvalidValue; readValue names the attribute.
func (r *storedRow) value() (any, error) {
	switch {
	case r.text.Valid:
		return r.text.String, nil
	case r.date.Valid:
		d, err := civil.Parse(r.date.String)
		if err != nil {
			return nil, invalid("date_value %q cannot be read as a civil.Date: %w", shorten(r.date.String), err)
		}
		return d, nil
	case r.ts.Valid:
		if r.ts.InfinityModifier != pgtype.Finite {
			return nil, invalid("timestamp_value %s cannot be read as a time.Time (timestamptz accepts infinity, which "+
				"this package never writes)", r.ts.InfinityModifier)
		}
		return r.ts.Time.UTC(), nil
	case r.i.Valid:
		return r.i.Int64, nil
	case r.dec.Valid:
		// numeric(20,10) pads to 10 fraction digits: drop the padding so
		// that 1.5 reads back as 1.5 (exponent -1), not 1.5000000000.
		txt := r.dec.String
		if strings.Contains(txt, ".") {
			txt = strings.TrimRight(strings.TrimRight(txt, "0"), ".")
		}
		d, err := decimal.NewFromString(txt)
		if err != nil {
			return nil, invalid("decimal_value %q cannot be read as a decimal.Decimal (numeric accepts NaN, which "+
				"this package never writes): %w", shorten(r.dec.String), err)
		}
		return d, nil
	case r.b.Valid:
		return r.b.Bool, nil
	case r.json.Valid:
		return json.RawMessage(r.json.String), nil
	}
	return nil, nil
}

// readValue is r.value() with an error that names the attribute and its hub.
func (r *storedRow) readValue(name string, h *Hub) (any, error) {
	v, err := r.value()
	if err != nil {
		return nil, fmt.Errorf("read attribute %q of hub %s: %w", shorten(name), h, err)
	}
	return v, nil
}

// maxReadErrors is how many unreadable attributes one error lists.
const maxReadErrors = 10

// readErrors joins the errors of the attributes that a read of many could
// not convert (nil for none); the first maxReadErrors are listed.
func readErrors(errs []error) error {
	if n := len(errs); n > maxReadErrors {
		errs = append(errs[:maxReadErrors:maxReadErrors],
			fmt.Errorf("%w: %d more attributes cannot be read", ErrInvalidValue, n-maxReadErrors))
	}
	return errors.Join(errs...)
}
