package attributehub

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm/clause"
)

// Filter is a test on a hub's attributes (in Hubs queries) or on one
// attribute row (in FindAttributes and Hub.AttributesWhere). A Condition is
// a Filter; And, Or and Not combine them. The zero Filter (nil) is refused.
type Filter interface {
	// hubSQL appends a boolean expression over hub alias h.
	hubSQL(b *strings.Builder, args []any, attr string) []any
	// rowSQL appends a boolean expression over attribute alias a.
	rowSQL(b *strings.Builder, args []any, a string) []any
	// check returns the first error the filter carries.
	check() error
	String() string
}

// And matches what every filter matches; And() matches everything.
func And(fs ...Filter) Filter { return group{and: true, fs: fs} }

// Or matches what any filter matches; Or() matches nothing.
func Or(fs ...Filter) Filter { return group{fs: fs} }

// Not matches what f does not match. On hubs, Not(Where("x").Eq(1))
// matches the hubs whose x is not 1, including those without an x (as
// Django's exclude does); on attribute rows it matches every row that f
// does not, whatever its name.
func Not(f Filter) Filter { return not{f: f} }

type group struct {
	and bool
	fs  []Filter
}

func (g group) word() string {
	if g.and {
		return "AND"
	}
	return "OR"
}

func (g group) check() error {
	for i, f := range g.fs {
		if f == nil {
			return fmt.Errorf("%w: %s: filter %d is nil", ErrInvalidQuery, strings.ToLower(g.word()), i)
		}
		if err := f.check(); err != nil {
			return err
		}
	}
	return nil
}

func (g group) String() string {
	if len(g.fs) == 0 {
		return map[bool]string{true: "TRUE", false: "FALSE"}[g.and]
	}
	parts := make([]string, len(g.fs))
	for i, f := range g.fs {
		parts[i] = fmt.Sprint(f)
	}
	return "(" + strings.Join(parts, " "+g.word()+" ") + ")"
}

func (g group) build(b *strings.Builder, args []any, each func(Filter) []any) []any {
	if len(g.fs) == 0 {
		b.WriteString(map[bool]string{true: "TRUE", false: "FALSE"}[g.and])
		return args
	}
	b.WriteString("(")
	for i, f := range g.fs {
		if i > 0 {
			b.WriteString(" " + g.word() + " ")
		}
		args = each(f)
	}
	b.WriteString(")")
	return args
}

func (g group) hubSQL(b *strings.Builder, args []any, attr string) []any {
	if !g.and && len(g.fs) > 1 && g.rowsOnly() {
		// An Or of conditions that each ask for an attribute row is one
		// scan of custom_attribute whose row tests are ORed: the planner
		// combines their indexes (BitmapOr) and estimates the result
		// well, where an OR of EXISTS subqueries is estimated at half the
		// hubs each.
		b.WriteString("h.dbid IN (SELECT a.hub_id FROM " + attr + " a WHERE ")
		args = g.rowSQL(b, args, "a")
		b.WriteString(")")
		return args
	}
	return g.build(b, args, func(f Filter) []any { args = f.hubSQL(b, args, attr); return args })
}

func (g group) rowSQL(b *strings.Builder, args []any, a string) []any {
	return g.build(b, args, func(f Filter) []any { args = f.rowSQL(b, args, a); return args })
}

// rowsOnly reports whether every filter of g is a Condition that holds
// exactly when the hub has a matching attribute row (not IsNull).
func (g group) rowsOnly() bool {
	for _, f := range g.fs {
		c, ok := f.(Condition)
		if !ok || c.op == opIsNull {
			return false
		}
	}
	return true
}

type not struct{ f Filter }

func (n not) check() error {
	if n.f == nil {
		return fmt.Errorf("%w: Not(nil)", ErrInvalidQuery)
	}
	return n.f.check()
}

func (n not) String() string { return "NOT " + fmt.Sprint(n.f) }

func (n not) hubSQL(b *strings.Builder, args []any, attr string) []any {
	b.WriteString("NOT ")
	return n.f.hubSQL(b, args, attr)
}

// rowSQL negates with IS NOT TRUE: a comparison on a NULL column is NULL,
// and NOT NULL would drop the row that does not match.
func (n not) rowSQL(b *strings.Builder, args []any, a string) []any {
	b.WriteString("(")
	args = n.f.rowSQL(b, args, a)
	b.WriteString(" IS NOT TRUE)")
	return args
}

// IsNull matches hubs whose attribute is missing or stored as nil (Django's
// isnull=True). On attribute rows it matches a stored nil.
func (f Field) IsNull() Condition { return f.simple(opIsNull) }

// Exists matches hubs that have the attribute, whatever its value (nil
// included). On attribute rows it matches every row of that name.
func (f Field) Exists() Condition { return f.simple(opExists) }

func (f Field) simple(o op) Condition {
	c := Condition{name: f.name, op: o}
	c.err = f.checkPlain(string(o))
	return c
}

// checkPlain checks the name, and refuses a key path where the operator
// does not take one.
func (f Field) checkPlain(what string) error {
	if err := checkName(f.name); err != nil {
		return err
	}
	if f.path != nil {
		return fmt.Errorf("%w: Where(%q).Path(...) %s: a key path takes Eq, Gt, Gte, Lt, Lte and In", ErrInvalidQuery, f.name, what)
	}
	return nil
}

// Contains matches text values that contain s (Django's contains), case
// sensitive. The characters % and _ in s are matched literally.
func (f Field) Contains(s string) Condition { return f.like(opLike, "%", s, "%") }

// IContains is Contains ignoring case (ILIKE, Django's icontains).
func (f Field) IContains(s string) Condition { return f.like(opILike, "%", s, "%") }

// HasPrefix matches text values that start with s (Django's startswith).
func (f Field) HasPrefix(s string) Condition { return f.like(opLike, "", s, "%") }

// IHasPrefix is HasPrefix ignoring case (Django's istartswith).
func (f Field) IHasPrefix(s string) Condition { return f.like(opILike, "", s, "%") }

// likeEscaper escapes LIKE's wildcards and its escape character (PostgreSQL's
// default escape is the backslash).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (f Field) like(o op, pre, s, post string) Condition {
	c := Condition{name: f.name, op: o, kind: KindText, display: fmt.Sprintf("%q", shorten(s))}
	if c.err = f.checkPlain(string(o)); c.err != nil {
		return c
	}
	if _, err := encodeText(s, true); err != nil {
		c.err = fmt.Errorf("%w (in Where(%q) %s)", err, f.name, o)
		return c
	}
	c.values = []string{pre + likeEscaper.Replace(s) + post}
	return c
}

// Path addresses a value inside a JSON attribute by object keys:
// Where("address").Path("city").Eq("Paris") matches hubs whose address is a
// JSON object with "city": "Paris" (Django's address__city="Paris"). The
// operand is compared as JSON: Eq and In take strings, numbers, bools, nil
// (JSON null), maps and slices; Gt, Gte, Lt and Lte take numbers or
// strings and match only values of the same JSON type. Keys address
// objects only, not array elements. Eq and In use the GIN index of
// json_value.
func (f Field) Path(keys ...string) Field {
	return Field{name: f.name, path: append(append([]string{}, f.path...), keys...)}
}

// JSONContains matches JSON values that contain v (PostgreSQL's @>, Django's
// contains on a JSONField): Where("tags").JSONContains([]string{"urgent"}).
// v is encoded with encoding/json (json.RawMessage is taken as is). It uses
// the GIN index of json_value.
func (f Field) JSONContains(v any) Condition {
	c := Condition{name: f.name, op: opContains, kind: KindJSON}
	if c.err = f.checkPlain(string(opContains)); c.err != nil {
		return c
	}
	text, err := jsonOperand(v)
	if err != nil {
		c.err = fmt.Errorf("%w (in Where(%q).JSONContains)", err, f.name)
		return c
	}
	c.values = []string{text}
	return c
}

// HasKey matches JSON values that are objects with the top-level key (or
// arrays with that string element; PostgreSQL's ?, Django's has_key). It
// uses the GIN index of json_value.
func (f Field) HasKey(key string) Condition {
	c := Condition{name: f.name, op: opHasKey, kind: KindJSON}
	if c.err = f.checkPlain("HasKey"); c.err != nil {
		return c
	}
	if !utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0 {
		c.err = fmt.Errorf("%w: Where(%q).HasKey: the key is not valid UTF-8 or holds NUL", ErrInvalidValue, f.name)
		return c
	}
	c.values = []string{key}
	return c
}

// jsonOperand encodes v as JSON text for a comparison with jsonb.
func jsonOperand(v any) (string, error) {
	var b []byte
	if raw, ok := v.(json.RawMessage); ok && raw != nil {
		if !json.Valid(raw) {
			return "", invalid("json.RawMessage %q is not valid JSON", shorten(string(raw)))
		}
		b = raw
	} else {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return "", invalid("%T cannot be encoded as JSON: %v", v, err)
		}
	}
	if jsonHasNUL(b) {
		return "", invalid("JSON holding a NUL character (\\u0000) cannot be compared with jsonb")
	}
	return string(b), nil
}

// pathCompare builds a comparison on a key path of a JSON value.
func (f Field) pathCompare(o op, v any) Condition {
	c := Condition{name: f.name, op: o, kind: KindJSON, path: f.path}
	if c.err = checkName(f.name); c.err != nil {
		return c
	}
	e, err := encodeOperand(v)
	if err != nil {
		c.err = fmt.Errorf("%w (in Where(%q).Path(%s) %s)", err, f.name, quoteAll(f.path), o)
		return c
	}
	if o != opEq && e.kind != KindInt && e.kind != KindDecimal && e.kind != KindText {
		c.err = fmt.Errorf("%w: Where(%q).Path(%s) %s %s: inside JSON only numbers and strings are ordered",
			ErrInvalidQuery, f.name, quoteAll(f.path), o, e.kind)
		return c
	}
	text, err := pathOperand(e, v)
	if err != nil {
		c.err = fmt.Errorf("%w (in Where(%q).Path(%s) %s)", err, f.name, quoteAll(f.path), o)
		return c
	}
	c.values = []string{text}
	c.display = e.kind.String()
	return c
}

// pathIn builds Path(...).In.
func (f Field) pathIn(vs []any) Condition {
	c := Condition{name: f.name, op: opIn, kind: KindJSON, path: f.path}
	if c.err = checkName(f.name); c.err != nil {
		return c
	}
	for i, v := range vs {
		e, err := encodeOperand(v)
		if err == nil {
			var text string
			if text, err = pathOperand(e, v); err == nil {
				c.values = append(c.values, text)
				continue
			}
		}
		c.err = fmt.Errorf("%w (in Where(%q).Path(%s).In: value %d)", err, f.name, quoteAll(f.path), i)
		return c
	}
	return c
}

// pathOperand is the JSON text of an operand compared inside JSON. Dates
// and times have no JSON type: they are refused.
func pathOperand(e encoded, v any) (string, error) {
	switch e.kind {
	case KindDate, KindTimestamp:
		return "", fmt.Errorf("%w: JSON has no %s type; compare the string the JSON holds", ErrInvalidQuery, e.kind)
	case KindNull:
		return "null", nil
	case KindText:
		b, _ := json.Marshal(e.text)
		return string(b), nil
	case KindInt, KindDecimal, KindBool:
		return e.text, nil
	}
	return jsonOperand(v)
}

func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", shorten(k))
	}
	return strings.Join(q, ", ")
}

// containment nests text (a JSON value) under path: {"a":{"b":text}}.
func containment(path []string, text string) string {
	s := text
	for i := len(path) - 1; i >= 0; i-- {
		k, _ := json.Marshal(path[i])
		s = "{" + string(k) + ":" + s + "}"
	}
	return s
}

// describeMore describes the operators of this file for String.
func (c Condition) describeMore() (string, bool) {
	switch {
	case c.op == opIsNull:
		return c.name + " is missing or nil", true
	case c.op == opExists:
		return c.name + " exists", true
	case c.op == opLike || c.op == opILike:
		return fmt.Sprintf("%s %s %s (text_value)", c.name, c.op, c.values[0]), true
	case c.op == opContains:
		return fmt.Sprintf("%s @> %s (json_value)", c.name, shorten(c.values[0])), true
	case c.op == opHasKey:
		return fmt.Sprintf("%s has key %q (json_value)", c.name, shorten(c.values[0])), true
	case c.path != nil:
		return fmt.Sprintf("%s#>{%s} %s %s (json_value)", c.name, quoteAll(c.path), c.op, strings.Join(c.values, ", ")), true
	}
	return "", false
}

// check implements Filter.
func (c Condition) check() error {
	if c.err != nil {
		return c.err
	}
	if c.name == "" || c.op == "" {
		return fmt.Errorf("%w: a zero Condition; build conditions with Where", ErrInvalidQuery)
	}
	return nil
}

// anySet appends "(a.c1 IS NOT NULL OR ...)".
func anySet(b *strings.Builder, a string) {
	b.WriteString("(")
	for i, col := range valueColumns {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString(a + "." + col.name + " IS NOT NULL")
	}
	b.WriteString(")")
}

// hubSQL implements Filter: EXISTS over the hub's attribute rows, or NOT
// EXISTS for IsNull.
func (c Condition) hubSQL(b *strings.Builder, args []any, attr string) []any {
	if c.op == opIsNull {
		b.WriteString("NOT EXISTS (SELECT 1 FROM " + attr + " a WHERE a.hub_id = h.dbid AND a.name = ? AND ")
		anySet(b, "a")
		b.WriteString(")")
		return append(args, c.name)
	}
	b.WriteString("EXISTS (SELECT 1 FROM " + attr + " a WHERE a.hub_id = h.dbid AND ")
	args = c.rowSQL(b, args, "a")
	b.WriteString(")")
	return args
}

// rowSQL implements Filter: the test on one attribute row of alias a.
func (c Condition) rowSQL(b *strings.Builder, args []any, a string) []any {
	b.WriteString("(" + a + ".name = ?")
	args = append(args, c.name)
	switch {
	case c.op == opExists:
	case c.op == opIsNull, c.op == opEq && c.kind == KindNull && c.path == nil:
		for _, col := range valueColumns {
			b.WriteString(" AND " + a + "." + col.name + " IS NULL")
		}
	case c.none, c.op == opIn && len(c.values) == 0:
		b.WriteString(" AND FALSE")
	case c.op == opLike, c.op == opILike:
		b.WriteString(" AND " + a + ".text_value " + string(c.op) + " ?")
		args = append(args, c.values[0])
	case c.op == opContains:
		b.WriteString(" AND " + a + ".json_value @> CAST(? AS jsonb)")
		args = append(args, c.values[0])
	case c.op == opHasKey:
		// GORM replaces every ? of a raw statement with a parameter; an
		// expression var writes the jsonb operator itself.
		b.WriteString(" AND " + a + ".json_value ? ?")
		args = append(args, clause.Expr{SQL: "?"}, c.values[0])
	case c.path != nil:
		args = c.pathSQL(b, args, a)
	case c.op == opIn:
		col := valueColumns[c.kind-1]
		b.WriteString(" AND " + a + "." + col.name + " = ANY(CAST(? AS text[])::" + c.castType() + "[])")
		args = append(args, textArray(c.values))
	default:
		col := valueColumns[c.kind-1]
		b.WriteString(" AND " + a + "." + col.name + " " + string(c.op) + " CAST(? AS text)::" + c.castType())
		args = append(args, c.values[0])
	}
	b.WriteString(")")
	return args
}

// pathSQL appends the comparison of a key path. Equality is also written as
// containment (@>), which the GIN index serves; the exact test follows.
func (c Condition) pathSQL(b *strings.Builder, args []any, a string) []any {
	target := a + ".json_value #> CAST(? AS text[])"
	switch c.op {
	case opEq:
		b.WriteString(" AND " + a + ".json_value @> CAST(? AS jsonb) AND " + target + " = CAST(? AS jsonb)")
		return append(args, containment(c.path, c.values[0]), textArray(c.path), c.values[0])
	case opIn:
		b.WriteString(" AND (")
		for i, v := range c.values {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(a + ".json_value @> CAST(? AS jsonb)")
			args = append(args, containment(c.path, v))
		}
		b.WriteString(") AND " + target + " = ANY(CAST(? AS jsonb[]))")
		return append(args, textArray(c.path), textArray(c.values))
	}
	typ := "number"
	if c.display == KindText.String() {
		typ = "string"
	}
	b.WriteString(" AND jsonb_typeof(" + target + ") = '" + typ + "' AND " + target + " " + string(c.op) + " CAST(? AS jsonb)")
	return append(args, textArray(c.path), textArray(c.path), c.values[0])
}
