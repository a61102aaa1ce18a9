package attributehub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// checkName validates an attribute name before anything is sent.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the name is empty", ErrInvalidName)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w: %q is %d bytes long, longer than the limit of %d", ErrInvalidName, shorten(name), len(name), MaxNameLength)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrInvalidName, name)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("%w: %q holds a NUL byte", ErrInvalidName, name)
	}
	return nil
}

// maxQuoted is how many bytes of a name or value an error message repeats.
const maxQuoted = 64

// shorten returns s, or its first maxQuoted bytes (cut at a character
// boundary) and "...", so that an error message does not repeat a long
// name or value whole.
func shorten(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// upsertTail is the ON CONFLICT clause shared by SetAttribute and
// SetAttributes: every value column is set, so a new value of another kind
// clears the old column.
var upsertTail = func() string {
	var b strings.Builder
	b.WriteString(" ON CONFLICT (hub_id, name) DO UPDATE SET ")
	for i, c := range valueColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name + " = EXCLUDED." + c.name)
	}
	return b.String()
}()

// columnList is "hub_id, name, text_value, ..." in Kind order.
var columnList = func() string {
	names := []string{"hub_id", "name"}
	for _, c := range valueColumns {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}()

// SetAttribute stores value under name, replacing any earlier value (of any
// kind), in one upsert statement. The value's Go type picks the column (see
// the package documentation); a value the column cannot hold exactly is
// refused with an error wrapping ErrInvalidValue and nothing is written.
func (h *Hub) SetAttribute(ctx context.Context, name string, value any) error {
	if err := h.bound(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return err
	}
	e, err := encode(value)
	if err != nil {
		return fmt.Errorf("set attribute %q on hub %s: %w", name, h, err)
	}
	if pool, ok := h.fastPool(ctx, true); ok {
		err := h.setFast(ctx, pool, name, e)
		if err == nil {
			return nil // without building wrapDB's arguments
		}
		if err != errFallback {
			return wrapDB(err, "set attribute %q on hub %s", name, h)
		}
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + h.t.attr + " (" + columnList + ") VALUES (?, ?")
	args := make([]any, 0, 2+len(valueColumns))
	args = append(args, h.DBID, name)
	for i, c := range valueColumns {
		b.WriteString(", CAST(? AS text)::" + c.sqlType)
		if Kind(i+1) == e.kind {
			args = append(args, e.text)
		} else {
			args = append(args, sql.NullString{})
		}
	}
	b.WriteString(")" + upsertTail)
	if err := h.db.WithContext(ctx).Exec(b.String(), args...).Error; err != nil {
		return wrapDB(err, "set attribute %q on hub %s", name, h)
	}
	return nil
}

// SetAttributes stores all values in one statement (an INSERT ... SELECT
// FROM unnest(...) upsert), in name order. At most MaxBulk values; more, an
// invalid name or an invalid value is refused before anything is written.
// An empty map writes nothing and sends nothing.
func (h *Hub) SetAttributes(ctx context.Context, values map[string]any) error {
	if err := h.bound(); err != nil {
		return err
	}
	if len(values) > MaxBulk {
		return fmt.Errorf("%w: %d attributes given, the limit is %d: split the call", ErrTooMany, len(values), MaxBulk)
	}
	if len(values) == 0 {
		return nil
	}
	names := make([]string, 0, len(values))
	for n := range values {
		if err := checkName(n); err != nil {
			return err
		}
		names = append(names, n)
	}
	slices.Sort(names)
	enc, err := h.encodeBatch(names, values)
	if err != nil {
		return err
	}
	kinds, texts := enc.kinds, enc.texts
	if pool, ok := h.fastPool(ctx, true); ok {
		err := h.setManyFast(ctx, pool, enc)
		if err == nil {
			return nil
		}
		if err != errFallback {
			return wrapDB(err, "set %d attributes on hub %s", len(names), h)
		}
	}
	cols := make([][]pgtype.Text, len(valueColumns))
	for i := range cols {
		cols[i] = make([]pgtype.Text, len(names))
	}
	for r, k := range kinds {
		if Kind(k) != KindNull {
			cols[k-1][r] = pgtype.Text{String: texts[r], Valid: true}
		}
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + h.t.attr + " (" + columnList + ") SELECT CAST(? AS bigint), u.n")
	for i, c := range valueColumns {
		fmt.Fprintf(&b, ", u.v%d::%s", i, c.sqlType)
	}
	b.WriteString(" FROM unnest(CAST(? AS text[])")
	args := []any{h.DBID, textArray(names)}
	for i := range valueColumns {
		b.WriteString(", CAST(? AS text[])")
		args = append(args, pgtype.Array[pgtype.Text]{Elements: cols[i], Dims: dims(len(names)), Valid: true})
	}
	b.WriteString(") AS u(n")
	for i := range valueColumns {
		fmt.Fprintf(&b, ", v%d", i)
	}
	b.WriteString(")" + upsertTail)
	if err := h.db.WithContext(ctx).Exec(b.String(), args...).Error; err != nil {
		return wrapDB(err, "set %d attributes on hub %s", len(names), h)
	}
	return nil
}

// batch is the values of a SetAttributes call, encoded: kinds[r] and
// texts[r] are those of names[r] (sorted). same is the kind all values
// share, KindNull if they are of several kinds (or all nil); ints or bools
// then hold the values of a KindInt or KindBool batch.
type batch struct {
	names []string
	kinds []int16
	texts []string
	same  Kind
	ints  []int64
	bools []bool
}

// encodeBatch encodes values, in the order of names.
func (h *Hub) encodeBatch(names []string, values map[string]any) (*batch, error) {
	b := &batch{names: names, kinds: make([]int16, len(names)), texts: make([]string, len(names))}
	for r, n := range names {
		e, err := encode(values[n])
		if err != nil {
			return nil, fmt.Errorf("set attribute %q on hub %s: %w", n, h, err)
		}
		b.kinds[r], b.texts[r] = int16(e.kind), e.text
		switch {
		case r == 0:
			b.same = e.kind
		case e.kind != b.same:
			b.same, b.ints, b.bools = KindNull, nil, nil
		}
		switch {
		case b.same == KindInt && e.kind == KindInt:
			if b.ints == nil {
				b.ints = make([]int64, len(names))
			}
			b.ints[r] = e.i
		case b.same == KindBool && e.kind == KindBool:
			if b.bools == nil {
				b.bools = make([]bool, len(names))
			}
			b.bools[r] = e.b
		}
	}
	return b, nil
}

func dims(n int) []pgtype.ArrayDimension {
	return []pgtype.ArrayDimension{{Length: int32(n), LowerBound: 1}}
}

// textArray wraps strings as a text[] parameter (a struct, so that GORM
// passes it through instead of expanding a slice into a list).
func textArray(s []string) pgtype.Array[string] {
	return pgtype.Array[string]{Elements: s, Dims: dims(len(s)), Valid: true}
}

// int8Array wraps int64s as a bigint[] parameter.
func int8Array(s []int64) pgtype.Array[int64] {
	return pgtype.Array[int64]{Elements: s, Dims: dims(len(s)), Valid: true}
}

// GetAttribute returns the value stored under name. ok is false if there is
// no such attribute; a stored nil is (nil, true, nil). Values come back as:
// string, int64, decimal.Decimal, bool, civil.Date, time.Time (UTC) or
// json.RawMessage. Use Attribute[T] to read into another Go type.
func (h *Hub) GetAttribute(ctx context.Context, name string) (value any, ok bool, err error) {
	if err := h.bound(); err != nil {
		return nil, false, err
	}
	if err := checkName(name); err != nil {
		return nil, false, err
	}
	var r storedRow
	err = errFallback
	if pool, ok := h.fastPool(ctx, false); ok {
		err = h.getFast(ctx, pool, name, &r)
	}
	if err == errFallback {
		err = h.db.WithContext(ctx).Raw(`SELECT `+selectValues("a")+` FROM `+h.t.attr+` a WHERE a.hub_id = ? AND a.name = ?`,
			h.DBID, name).Row().Scan(r.dest()...)
	}
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrapDB(err, "get attribute %q of hub %s", name, h)
	}
	v, err := r.readValue(name, h)
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// DeleteAttribute removes the attribute name and reports whether it existed.
func (h *Hub) DeleteAttribute(ctx context.Context, name string) (existed bool, err error) {
	if err := h.bound(); err != nil {
		return false, err
	}
	if err := checkName(name); err != nil {
		return false, err
	}
	res := h.db.WithContext(ctx).Exec(`DELETE FROM `+h.t.attr+` WHERE hub_id = ? AND name = ?`, h.DBID, name)
	if res.Error != nil {
		return false, wrapDB(res.Error, "delete attribute %q of hub %s", name, h)
	}
	return res.RowsAffected > 0, nil
}

// Attributes returns every attribute of the hub, in one query. A stored nil
// is present in the map with a nil value.
//
// A stored value that has no Go form (a decimal NaN, which PostgreSQL's
// numeric accepts and other code may write) does not hide the others: it is
// left out of the map, and the map of every other attribute is returned
// with an error that wraps ErrInvalidValue and names each such attribute.
// On any other error the map is nil.
func (h *Hub) Attributes(ctx context.Context) (map[string]any, error) {
	if err := h.bound(); err != nil {
		return nil, err
	}
	if pool, ok := h.fastPool(ctx, false); ok {
		m, err := h.attributesFast(ctx, pool)
		if err != errFallback {
			return m, err
		}
	}
	return h.attributesOf(ctx, `SELECT a.name, `+selectValues("a")+` FROM `+h.t.attr+` a WHERE a.hub_id = ?`, h.DBID)
}

// attributesOf runs query, which selects a.name then selectValues("a") for
// attribute rows of h, and returns them as a map, as Attributes documents: a
// value that cannot be read is left out and named in an error wrapping
// ErrInvalidValue (returned with the map of the others); on any other error
// the map is nil.
func (h *Hub) attributesOf(ctx context.Context, query string, args ...any) (map[string]any, error) {
	rows, err := h.db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, wrapDB(err, "get attributes of hub %s", h)
	}
	defer rows.Close()
	m := map[string]any{}
	var bad []error
	for rows.Next() {
		var name string
		var r storedRow
		if err := rows.Scan(append([]any{&name}, r.dest()...)...); err != nil {
			return nil, wrapDB(err, "get attributes of hub %s", h)
		}
		v, err := r.readValue(name, h)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		m[name] = v
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(err, "get attributes of hub %s", h)
	}
	return m, readErrors(bad)
}
