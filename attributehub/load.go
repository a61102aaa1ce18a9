package attributehub

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// LoadOptions narrow which attributes ListWithAttributes and Load fetch.
type LoadOptions struct {
	// Only, if not nil, lists the attribute names to load (Canvas's
	// with_only); other attributes are left out. Nil loads all.
	Only []string
}

// HubWithAttributes is a hub with a snapshot of its attributes, as loaded.
// Read values with Value[T](hw.Values, name). Values is not updated by
// later writes.
type HubWithAttributes struct {
	*Hub
	// Values maps attribute names to values (GetAttribute's types); a stored
	// nil is present with a nil value. Never nil.
	Values map[string]any
}

func (o LoadOptions) check() error {
	for _, n := range o.Only {
		if err := checkName(n); err != nil {
			return err
		}
	}
	return nil
}

// ListWithAttributes returns the hubs of type typ, ordered by id, each with
// its attributes, in one query (hubs LEFT JOIN attributes). A stored value
// that has no Go form is left out and reported as by Hub.Attributes: every
// hub and every other attribute is returned, with an error that wraps
// ErrInvalidValue and names each such attribute and its hub.
func ListWithAttributes(ctx context.Context, db *gorm.DB, typ string, opts LoadOptions) ([]HubWithAttributes, error) {
	if err := checkHubField("type", typ); err != nil {
		return nil, err
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	t, err := tablesOf(db)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(`SELECT h.dbid, h.type, h.id, a.name, ` + selectValues("a") + ` FROM ` + t.hub + ` h LEFT JOIN ` + t.attr +
		` a ON a.hub_id = h.dbid`)
	args := []any{}
	if opts.Only != nil {
		b.WriteString(` AND a.name = ANY(CAST(? AS text[]))`)
		args = append(args, textArray(opts.Only))
	}
	b.WriteString(` WHERE h.type = ? ORDER BY h.id, h.dbid`)
	args = append(args, typ)
	rows, err := db.WithContext(ctx).Raw(b.String(), args...).Rows()
	if err != nil {
		return nil, wrapDB(err, "list hubs of type %q with attributes", typ)
	}
	defer rows.Close()
	var (
		out []HubWithAttributes
		bad []error
	)
	for rows.Next() {
		var (
			h    = &Hub{db: db, t: t}
			name *string
			r    storedRow
		)
		if err := rows.Scan(append([]any{&h.DBID, &h.Type, &h.ID, &name}, r.dest()...)...); err != nil {
			return nil, wrapDB(err, "list hubs of type %q with attributes", typ)
		}
		if len(out) == 0 || out[len(out)-1].DBID != h.DBID {
			out = append(out, HubWithAttributes{Hub: h, Values: map[string]any{}})
		}
		if name == nil {
			continue // a hub without (matching) attributes
		}
		v, err := r.readValue(*name, h)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out[len(out)-1].Values[*name] = v
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(err, "list hubs of type %q with attributes", typ)
	}
	return out, readErrors(bad)
}

// Load fetches the attributes of many hubs (for example the result of Find)
// in one query (hub_id = ANY(...)). The result is in the order of hubs.
// Every hub must come from db's namespace; a hub of another namespace is
// refused with an error wrapping ErrInvalidHub before anything is read. A
// stored value that has no Go form is left out and reported as by
// Hub.Attributes: every other attribute is returned, with an error that
// wraps ErrInvalidValue and names each such attribute and its hub.
func Load(ctx context.Context, db *gorm.DB, hubs []*Hub, opts LoadOptions) ([]HubWithAttributes, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	out := make([]HubWithAttributes, len(hubs))
	byID := make(map[int64][]int, len(hubs))
	ids := make([]int64, 0, len(hubs))
	for i, h := range hubs {
		if err := h.bound(); err != nil {
			return nil, err
		}
		out[i] = HubWithAttributes{Hub: h, Values: map[string]any{}}
		if _, seen := byID[h.DBID]; !seen {
			ids = append(ids, h.DBID)
		}
		byID[h.DBID] = append(byID[h.DBID], i)
	}
	if db == nil {
		return nil, ErrNilDB
	}
	if len(hubs) == 0 {
		return out, nil
	}
	t, err := tablesOf(db)
	if err != nil {
		return nil, err
	}
	for _, h := range hubs {
		if h.t != t {
			return nil, fmt.Errorf("%w: hub %s belongs to another namespace (%s) than the DB given to Load (%s); load it with its own namespace's DB",
				ErrInvalidHub, h, h.t.hub, t.hub)
		}
	}
	var b strings.Builder
	b.WriteString(`SELECT a.hub_id, a.name, ` + selectValues("a") + ` FROM ` + t.attr + ` a WHERE a.hub_id = ANY(CAST(? AS bigint[]))`)
	args := []any{int8Array(ids)}
	if opts.Only != nil {
		b.WriteString(` AND a.name = ANY(CAST(? AS text[]))`)
		args = append(args, textArray(opts.Only))
	}
	rows, err := db.WithContext(ctx).Raw(b.String(), args...).Rows()
	if err != nil {
		return nil, wrapDB(err, "load attributes of %d hubs", len(hubs))
	}
	defer rows.Close()
	var bad []error
	for rows.Next() {
		var (
			id   int64
			name string
			r    storedRow
		)
		if err := rows.Scan(append([]any{&id, &name}, r.dest()...)...); err != nil {
			return nil, wrapDB(err, "load attributes of %d hubs", len(hubs))
		}
		v, err := r.readValue(name, out[byID[id][0]].Hub)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		for _, i := range byID[id] {
			out[i].Values[name] = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(err, "load attributes of %d hubs", len(hubs))
	}
	return out, readErrors(bad)
}
