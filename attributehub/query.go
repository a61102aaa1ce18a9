package attributehub

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Field names an attribute in a query; make one with Where.
type Field struct {
	name string
	// path is a key path inside a JSON value (Path); nil for the value
	// itself.
	path []string
}

// Where starts a condition on the attribute name:
//
//	attributehub.Where("priority").Gt(3)
//
// Each comparison works on the typed column that the operand's Go type selects
// (as SetAttribute would store it): Gt(3) compares int_value, Gt(3.5)
// decimal_value, Gt(civil.Date{...}) date_value. Hubs whose attribute is
// stored in another column, or missing, do not match.
//
// An operand need not be storable, only comparable: Lt(1e12),
// Gt(0.12345678901) and text longer than MaxValueLength compare exactly, and
// a uint64 above math.MaxInt64 compares int_value as numeric (so Lt(uint64
// max) matches every int). A time with nanoseconds below a microsecond
// compares exactly with the stored times, which have whole microseconds: Lt
// and Lte match those at or before its microsecond, Gt and Gte those after
// it; Eq matches nothing and In ignores it. NaN, infinities, invalid UTF-8,
// NUL, invalid dates and times outside the years 1 to 9999 make the
// Condition carry an error wrapping ErrInvalidValue.
func Where(name string) Field { return Field{name: name} }

// op is a comparison operator.
type op string

const (
	opEq  op = "="
	opGt  op = ">"
	opGte op = ">="
	opLt  op = "<"
	opLte op = "<="
	opIn  op = "IN"
	// The operators below are made by the Field methods of filter.go.
	opIsNull   op = "IS NULL"
	opExists   op = "EXISTS"
	opLike     op = "LIKE"
	opILike    op = "ILIKE"
	opContains op = "@>"
	opHasKey   op = "?"
)

// Condition is one test on one attribute; Find keeps the hubs that pass all
// of its conditions. A Condition built from a value that cannot be compared
// carries the error, and Find returns it before querying.
type Condition struct {
	name   string
	op     op
	kind   Kind
	values []string // encoded operands
	// numeric: an int operand is beyond bigint (a uint64 above
	// math.MaxInt64); int_value is then compared as numeric.
	numeric bool
	// none: Eq with a time finer than a microsecond, which no stored time
	// equals; values holds the time's exact form.
	none bool
	// path, for a comparison on a JSON value's key path (Field.Path), is
	// that path; the operands (values) are then JSON texts.
	path []string
	// display is the operand as String shows it, for LIKE patterns.
	display string
	err     error
}

// Eq matches hubs whose attribute equals v. Eq(nil) matches a stored nil.
// JSON values compare as jsonb (key order and spacing do not matter).
func (f Field) Eq(v any) Condition {
	return f.compare(opEq, v)
}

// Gt matches hubs whose attribute is greater than v.
func (f Field) Gt(v any) Condition {
	return f.compare(opGt, v)
}

// Gte matches hubs whose attribute is greater than or equal to v.
func (f Field) Gte(v any) Condition {
	return f.compare(opGte, v)
}

// Lt matches hubs whose attribute is less than v.
func (f Field) Lt(v any) Condition {
	return f.compare(opLt, v)
}

// Lte matches hubs whose attribute is less than or equal to v.
func (f Field) Lte(v any) Condition {
	return f.compare(opLte, v)
}

// In matches hubs whose attribute equals one of vs. All of vs must be of
// one kind (all integers, all strings, ...); nil is not allowed. An empty
// list matches nothing.
func (f Field) In(vs ...any) Condition {
	if f.path != nil {
		return f.pathIn(vs)
	}
	c := Condition{name: f.name, op: opIn}
	if c.err = checkName(f.name); c.err != nil {
		return c
	}
	for i, v := range vs {
		e, err := encodeOperand(v)
		if err != nil {
			c.err = fmt.Errorf("%w (in Where(%q).In: value %d)", err, f.name, i)
			return c
		}
		if e.kind == KindNull {
			c.err = fmt.Errorf("%w: Where(%q).In: value %d is nil; use Eq(nil) for a stored nil", ErrInvalidQuery, f.name, i)
			return c
		}
		if i > 0 && e.kind != c.kind {
			c.err = fmt.Errorf("%w: Where(%q).In mixes %s and %s values; an attribute is compared on one typed column",
				ErrInvalidQuery, f.name, c.kind, e.kind)
			return c
		}
		c.kind = e.kind
		if e.fine != "" {
			continue // a time finer than a microsecond equals no stored time
		}
		c.numeric = c.numeric || beyondBigint(e)
		c.values = append(c.values, e.text)
	}
	return c
}

// compare builds the condition of a comparison operator: on a JSON key
// path (Path) as pathCompare does, else on the typed column v selects.
func (f Field) compare(o op, v any) Condition {
	if f.path != nil {
		return f.pathCompare(o, v)
	}
	c := Condition{name: f.name, op: o}
	if c.err = checkName(f.name); c.err != nil {
		return c
	}
	e, err := encodeOperand(v)
	if err != nil {
		c.err = fmt.Errorf("%w (in Where(%q) %s)", err, f.name, o)
		return c
	}
	c.kind = e.kind
	c.numeric = beyondBigint(e)
	if o != opEq {
		switch e.kind {
		case KindNull, KindBool, KindJSON:
			c.err = fmt.Errorf("%w: Where(%q) %s %s: only text, int, decimal, date and timestamp values are ordered",
				ErrInvalidQuery, f.name, o, e.kind)
			return c
		}
	}
	if e.fine != "" {
		// Stored times have whole microseconds, and e.text is the operand
		// truncated to one: a stored time is below the operand exactly when
		// it is at or below e.text, and none equals it.
		switch o {
		case opEq:
			c.none = true
			c.values = []string{e.fine}
			return c
		case opLt:
			c.op = opLte
		case opGte:
			c.op = opGt
		}
	}
	if e.kind != KindNull {
		c.values = []string{e.text}
	}
	return c
}

// beyondBigint reports whether e is an int operand that bigint cannot hold.
func beyondBigint(e encoded) bool {
	if e.kind != KindInt {
		return false
	}
	_, err := strconv.ParseInt(e.text, 10, 64)
	return err != nil
}

// castType is the SQL type the operands are cast to.
func (c Condition) castType() string {
	if c.numeric {
		return "numeric"
	}
	return valueColumns[c.kind-1].sqlType
}

// String describes the condition, e.g. `priority > 3 (int_value)`.
func (c Condition) String() string {
	if c.err != nil {
		return "invalid condition: " + c.err.Error()
	}
	if c.name == "" || c.op == "" {
		return "zero Condition (build conditions with Where)"
	}
	if s, ok := c.describeMore(); ok {
		return s
	}
	if c.op == opEq && c.kind == KindNull {
		return c.name + " is nil"
	}
	if c.none {
		return fmt.Sprintf("%s = %s (%s): matches nothing, stored times have whole microseconds", c.name, c.values[0], c.kind.Column())
	}
	if c.op == opIn {
		return fmt.Sprintf("%s in (%s) (%s)", c.name, strings.Join(c.values, ", "), c.kind.Column())
	}
	if len(c.values) != 1 {
		return fmt.Sprintf("%s %s ? (%s)", c.name, c.op, c.kind.Column())
	}
	return fmt.Sprintf("%s %s %s (%s)", c.name, c.op, c.values[0], c.kind.Column())
}

// Err returns the error the condition carries, if any.
func (c Condition) Err() error { return c.err }

// Find returns the hubs of type typ whose attributes pass every condition,
// ordered by id, in one query. With no conditions it is List. It is
// Hubs(typ).Where(conds...).Find(ctx, db); Hubs builds richer queries.
//
//	hubs, err := attributehub.Find(ctx, db, "task",
//		attributehub.Where("priority").Gt(3),
//		attributehub.Where("status").In("open", "blocked"))
func Find(ctx context.Context, db *gorm.DB, typ string, conds ...Condition) ([]*Hub, error) {
	if err := checkHubField("type", typ); err != nil {
		return nil, err
	}
	fs := make([]Filter, len(conds))
	for i, c := range conds {
		fs[i] = c
	}
	return Hubs(typ).Where(fs...).Find(ctx, db)
}
