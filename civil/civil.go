// Package civil provides Date, a calendar date without a time of day or a
// time zone: what PostgreSQL's date type and Python's datetime.date hold.
//
// Custom model fields and AttributeHub values of type Date are stored in date
// columns; time.Time is stored in timestamptz columns.
package civil

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date. Its zero value is not a valid date (Year 0,
// Month 0, Day 0); IsValid reports whether a date exists in the calendar.
type Date struct {
	Year  int        // the year, e.g. 2026
	Month time.Month // 1 to 12
	Day   int        // 1 to 31
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// Parse reads a date in ISO 8601 form, "2026-11-25".
func Parse(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("civil: parse date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// String returns the date in ISO 8601 form, "2026-11-25".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsValid reports whether d is a real calendar date (2026-02-30 is not).
func (d Date) IsValid() bool {
	return DateOf(d.In(time.UTC)) == d
}

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.In(time.UTC).Before(e.In(time.UTC)) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return e.Before(d) }

// MarshalText implements encoding.TextMarshaler (JSON carries "2026-11-25").
func (d Date) MarshalText() ([]byte, error) {
	if !d.IsValid() {
		return nil, fmt.Errorf("civil: %s is not a valid date", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value implements driver.Valuer: the date travels as "YYYY-MM-DD". An
// invalid date is an error, never a silently shifted day.
func (d Date) Value() (driver.Value, error) {
	if !d.IsValid() {
		return nil, fmt.Errorf("civil: %s is not a valid date", d)
	}
	return d.String(), nil
}

// Scan implements sql.Scanner for date columns (time.Time, string or []byte).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d = DateOf(v)
		return nil
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	case nil:
		return fmt.Errorf("civil: cannot scan NULL into Date (use *civil.Date)")
	}
	return fmt.Errorf("civil: cannot scan %T into Date", src)
}

// GormDataType tells GORM the column type: date.
func (Date) GormDataType() string { return "date" }
