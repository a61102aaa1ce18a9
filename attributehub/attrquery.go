package attributehub

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// HubAttribute is one attribute with its hub: a row of FindAttributes.
type HubAttribute struct {
	// Hub is the attribute's hub, bound to the DB of the query.
	Hub *Hub
	// Name is the attribute's name.
	Name string
	// Value is the stored value, as GetAttribute returns it.
	Value any
}

// FindAttributes returns the attributes that pass f, across the hubs of the
// given types (of every type when none is given), with their hubs, ordered
// by hub type, hub id and name, in one statement: the Go form of
// CustomAttribute.objects.filter. f tests one attribute row at a time:
//
//	// every "priority" above 3, whichever hub holds it
//	rows, err := attributehub.FindAttributes(ctx, db, attributehub.Where("priority").Gt(3))
//
// Where("a").Eq(1) matches rows named a whose value is 1; And of
// conditions on two names matches no row (use Hubs for that), Or matches
// rows of either; IsNull matches a stored nil and Exists every row of the
// name. Values that cannot be read are left out and reported as
// Hub.Attributes does.
func FindAttributes(ctx context.Context, db *gorm.DB, f Filter, types ...string) ([]HubAttribute, error) {
	q := Hubs(types...)
	if err := q.check(); err != nil {
		return nil, err
	}
	if err := checkFilter(f); err != nil {
		return nil, err
	}
	t, err := tablesOf(db)
	if err != nil {
		return nil, err
	}
	query, args := attributesSQL(t, f, types)
	rows, err := db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, wrapDB(err, "find attributes")
	}
	defer rows.Close()
	var out []HubAttribute
	var bad []error
	for rows.Next() {
		h := &Hub{db: db, t: t}
		var name string
		var r storedRow
		if err := rows.Scan(append([]any{&h.DBID, &h.Type, &h.ID, &name}, r.dest()...)...); err != nil {
			return nil, wrapDB(err, "find attributes")
		}
		v, err := r.readValue(name, h)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, HubAttribute{Hub: h, Name: name, Value: v})
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(err, "find attributes")
	}
	return out, readErrors(bad)
}

// attributesSQL builds FindAttributes' statement.
func attributesSQL(t tables, f Filter, types []string) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT h.dbid, h.type, h.id, a.name, " + selectValues("a") + " FROM " + t.attr + " a JOIN " + t.hub +
		" h ON h.dbid = a.hub_id WHERE ")
	args := f.rowSQL(&b, nil, "a")
	switch len(types) {
	case 0:
	case 1:
		b.WriteString(" AND h.type = ?")
		args = append(args, types[0])
	default:
		b.WriteString(" AND h.type = ANY(CAST(? AS text[]))")
		args = append(args, textArray(types))
	}
	b.WriteString(" ORDER BY h.type, h.id, a.name")
	return b.String(), args
}

func checkFilter(f Filter) error {
	if f == nil {
		return fmt.Errorf("%w: the filter is nil", ErrInvalidQuery)
	}
	return f.check()
}

// AttributesWhere returns the hub's attributes that pass f (tested on each
// attribute row, as in FindAttributes), in one query: the Go form of
// hub.custom_attributes.filter(...).
//
//	open, err := hub.AttributesWhere(ctx, attributehub.Or(
//		attributehub.Where("status").Eq("open"),
//		attributehub.Where("note").HasPrefix("todo:")))
func (h *Hub) AttributesWhere(ctx context.Context, f Filter) (map[string]any, error) {
	if err := h.bound(); err != nil {
		return nil, err
	}
	if err := checkFilter(f); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("SELECT a.name, " + selectValues("a") + " FROM " + h.t.attr + " a WHERE a.hub_id = ? AND ")
	args := f.rowSQL(&b, []any{h.DBID}, "a")
	return h.attributesOf(ctx, b.String(), args...)
}
