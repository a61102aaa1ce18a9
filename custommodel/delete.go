package custommodel

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// Policy is what happens to the rows that link to a row being deleted
// (Django's on_delete). It is declared on the link, on its column field or
// its navigation field: `customdata:"on_delete:CASCADE"`.
type Policy string

// The delete policies.
const (
	// DoNothing, the default, leaves the linking rows as they are (their
	// link then points to no row).
	DoNothing Policy = "DO_NOTHING"
	// Cascade deletes the linking rows too (and applies their own links'
	// policies).
	Cascade Policy = "CASCADE"
	// SetNull sets the link column of the linking rows to NULL; the field
	// must be a pointer (*int64) so that a row can hold no link.
	SetNull Policy = "SET_NULL"
	// Protect refuses the delete while linking rows exist (ErrProtected).
	Protect Policy = "PROTECT"
	// Restrict refuses the delete while linking rows exist, unless those
	// rows are deleted by the same call through a CASCADE
	// (ErrRestricted).
	Restrict Policy = "RESTRICT"
)

var policies = []Policy{Cascade, SetNull, Protect, Restrict, DoNothing}

const onDeletePrefix = "on_delete:"

// ErrProtected and ErrRestricted are matched by a *DeleteRefusedError: the
// delete was refused, nothing was deleted.
var (
	ErrProtected  = errors.New("custommodel: delete refused by a PROTECT link")
	ErrRestricted = errors.New("custommodel: delete refused by a RESTRICT link")
)

// DeleteRefusedError reports rows whose PROTECT or RESTRICT link refused a
// delete. It matches ErrProtected or ErrRestricted.
type DeleteRefusedError struct {
	// Model is the Go name of the model whose rows were to be deleted.
	Model string
	// By is the Go name of the model whose rows link to them, Field its
	// link field, Count how many of its rows refuse.
	By, Field string
	Count     int
	// Policy is Protect or Restrict.
	Policy Policy
}

// Error names both models and the count.
func (e *DeleteRefusedError) Error() string {
	return fmt.Sprintf("custommodel: cannot delete %s rows: %d %s rows link to them through %s.%s (on_delete %s); delete or relink those rows first",
		e.Model, e.Count, e.By, e.By, e.Field, e.Policy)
}

// Is matches ErrProtected or ErrRestricted, by policy.
func (e *DeleteRefusedError) Is(target error) bool {
	return (target == ErrProtected && e.Policy == Protect) || (target == ErrRestricted && e.Policy == Restrict)
}

// ErrMissingLink is matched by an error of a create or update whose link
// with a delete policy names a row that does not exist (or was deleted
// meanwhile). Nothing was written.
var ErrMissingLink = errors.New("custommodel: link to a missing row")

// policyLink is a link of a custom model to another custom model, with its
// delete policy.
type policyLink struct {
	field    string // Go name of the column field
	column   string
	policy   Policy
	target   reflect.Type
	goTarget string
	// the target's table (without schema), key column and key type
	targetTable, targetKey, targetKeyType string
}

// policyOf returns the on_delete policy in f's customdata tag, "" if none,
// or an error naming a policy that does not exist.
func policyOf(model string, f *schema.Field) (Policy, error) {
	for _, tag := range customTags(f) {
		if v, ok := strings.CutPrefix(tag, onDeletePrefix); ok {
			p := Policy(strings.ToUpper(strings.TrimSpace(v)))
			if !slices.Contains(policies, p) {
				return "", declErr(model, f.Name, fmt.Sprintf("has an unknown delete policy %q", v),
					"use on_delete:CASCADE, SET_NULL, PROTECT, RESTRICT or DO_NOTHING")
			}
			return p, nil
		}
	}
	return "", nil
}

// isCustomTag reports whether tag is one this package knows.
func isCustomTag(tag string) bool {
	return tag == tagOneToOne || strings.HasPrefix(tag, onDeletePrefix)
}

// constraintErrors refuses GORM's constraint tags: custom tables have no
// REFERENCES constraints, so GORM would not apply them.
func constraintErrors(s *schema.Schema) []error {
	var errs []error
	for _, f := range s.Fields {
		if f.OwnerSchema != nil {
			continue
		}
		v, ok := f.TagSettings["CONSTRAINT"]
		if !ok {
			continue
		}
		fix := `declare the delete policy on the link instead: customdata:"on_delete:CASCADE" (or SET_NULL, PROTECT, RESTRICT, DO_NOTHING), which the SDK applies`
		if p := suggestedPolicy(v); p != "" {
			fix = fmt.Sprintf(`declare it on the link as customdata:"on_delete:%s", which the SDK applies`, p)
		}
		errs = append(errs, declErr(s.Name, f.Name, fmt.Sprintf("has GORM's constraint tag %q, which does nothing here (custom tables have no REFERENCES constraints)", v), fix))
	}
	return errs
}

// suggestedPolicy maps GORM's OnDelete:X to our policy.
func suggestedPolicy(constraint string) Policy {
	for _, part := range strings.Split(constraint, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || !strings.EqualFold(k, "OnDelete") {
			continue
		}
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "CASCADE":
			return Cascade
		case "SET NULL":
			return SetNull
		case "RESTRICT":
			return Restrict
		case "NO ACTION":
			return DoNothing
		}
	}
	return ""
}

// linkPolicies works out the delete policies of s's links and checks them.
func linkPolicies(s *schema.Schema) ([]policyLink, []error) {
	var out []policyLink
	var errs []error
	errs = append(errs, constraintErrors(s)...)
	declared := map[*schema.Field]bool{}
	for _, name := range relationNames(s) {
		rel := s.Relationships.Relations[name]
		if rel.Type != schema.BelongsTo || len(rel.References) != 1 || rel.Polymorphic != nil {
			continue
		}
		fk := rel.References[0].ForeignKey
		p1, err1 := policyOf(s.Name, fk)
		p2, err2 := policyOf(s.Name, rel.Field)
		if err := errors.Join(err1, err2); err != nil {
			errs = append(errs, err)
			continue
		}
		declared[fk], declared[rel.Field] = true, true
		if p1 != "" && p2 != "" && p1 != p2 {
			errs = append(errs, declErr(s.Name, rel.Name, fmt.Sprintf("declares two delete policies, %s on %s and %s on %s", p1, fk.Name, p2, rel.Name), "keep one"))
			continue
		}
		p := cmpOr(p1, p2)
		if p == "" || p == DoNothing {
			continue
		}
		if classify(rel.FieldSchema.ModelType) != kindCustom {
			errs = append(errs, declErr(s.Name, rel.Name, fmt.Sprintf("declares on_delete:%s on a link to the SDK model %s", p, rel.FieldSchema.Name),
				"remove it: links to SDK models have no delete policy (the platform deletes those rows, not plugins)"))
			continue
		}
		if p == SetNull {
			if fk.PrimaryKey {
				errs = append(errs, declErr(s.Name, fk.Name, "is a primary key declared on_delete:SET_NULL", "a key cannot be NULL: use CASCADE, PROTECT or RESTRICT"))
				continue
			}
			if fk.FieldType.Kind() != reflect.Pointer {
				errs = append(errs, declErr(s.Name, fk.Name, "is declared on_delete:SET_NULL but cannot hold NULL",
					fmt.Sprintf("declare it as *%s", fk.FieldType)))
				continue
			}
		}
		tk := rel.References[0].PrimaryKey
		out = append(out, policyLink{
			field: fk.Name, column: fk.DBName, policy: p, target: rel.FieldSchema.ModelType, goTarget: rel.FieldSchema.Name,
			targetTable: strings.ToLower(rel.FieldSchema.Name), targetKey: tk.DBName,
		})
	}
	for _, f := range s.Fields {
		if declared[f] || f.OwnerSchema != nil {
			continue
		}
		if p, err := policyOf(s.Name, f); err != nil {
			errs = append(errs, err)
		} else if p != "" {
			errs = append(errs, declErr(s.Name, f.Name, "declares a delete policy but is not a link",
				"put on_delete on a link's column field or its navigation field"))
		}
	}
	return out, errs
}

func cmpOr(a, b Policy) Policy {
	if a != "" {
		return a
	}
	return b
}

// dependent is a link to a model, seen from the model it points to.
type dependent struct {
	child   reflect.Type
	goName  string // child's Go name
	table   string // child's table
	key     string // child's key column
	keyType string
	link    policyLink
}

// registry maps a custom model type to the links that point to it with a
// policy other than DO_NOTHING. It is filled by DDL, Register and the
// first use of a model by this package (GetOrCreate, Delete, the
// callbacks), and read by Delete.
var registry = struct {
	sync.RWMutex
	deps map[reflect.Type][]dependent
	seen map[reflect.Type]bool
}{deps: map[reflect.Type][]dependent{}, seen: map[reflect.Type]bool{}}

// register records t's policy links.
func register(t *table) {
	if t == nil || t.modelType == nil {
		return
	}
	rt := t.modelType
	registry.Lock()
	defer registry.Unlock()
	if registry.seen[rt] {
		return
	}
	registry.seen[rt] = true
	for _, l := range t.policies {
		// A link's target key is the target's key column (dbid, or its
		// own one-to-one key), whose type the link column copied.
		l.targetKeyType = baseType(t.column(l.column).sqlType)
		registry.deps[l.target] = append(registry.deps[l.target], dependent{
			child: rt, goName: t.goName, table: t.name, key: t.pk.name, keyType: baseType(t.pk.sqlType), link: l,
		})
	}
}

func dependentsOf(rt reflect.Type) []dependent {
	registry.RLock()
	defer registry.RUnlock()
	return registry.deps[rt]
}

// Register validates custom models and records their links' delete
// policies for Delete, as DDL does. A process that opens namespaces
// without installing its plugin calls it once with the plugin's models, so
// that deleting a row applies the policies of every model that links to
// it. Delete also finds the models named by reverse relations (has-one,
// has-many fields) of the model it deletes.
func Register(models ...any) error {
	_, err := parseModels(registerNamespace, models)
	return err
}

// registerNamespace is a valid namespace for parsing models outside of one:
// a custom model's analysis does not depend on its namespace.
const registerNamespace = "customdata__register"

// Deleted counts what a Delete did, per model (Go name).
type Deleted struct {
	// Rows is how many rows were deleted, per model.
	Rows map[string]int64
	// Nulled is how many rows had a link set to NULL (SET_NULL), per
	// model.
	Nulled map[string]int64
}

// Total is the number of rows deleted.
func (d Deleted) Total() int64 {
	var n int64
	for _, c := range d.Rows {
		n += c
	}
	return n
}

// Delete deletes rows of a custom model (a *T, []T, []*T or *[]T whose
// keys are set) and applies the delete policies of the links that point to
// them, in one transaction, in the order of Django's collector:
//
//  1. the rows are locked (SELECT ... FOR UPDATE); rows already gone are
//     skipped;
//  2. the links to them are followed, level by level: CASCADE collects (and
//     locks) the linking rows and follows their links in turn, SET_NULL
//     notes them, PROTECT refuses if any exist, RESTRICT refuses unless
//     those rows are themselves collected through a CASCADE;
//  3. if anything refused, nothing is written and the error (errors.Join of
//     *DeleteRefusedError, matching ErrProtected or ErrRestricted) names
//     each linking model and how many of its rows refuse;
//  4. SET_NULL links are set to NULL, then the collected rows are deleted,
//     the most distant links first and the rows passed last.
//
// A row created or relinked through GORM, GetOrCreate or UpdateOrCreate
// while Delete runs cannot escape: such a write locks the row its policy
// link points to (FOR KEY SHARE; for GORM, through the callbacks of
// RegisterCallbacks) and refuses a link to a missing row, so it either commits before Delete locks the row (and is collected)
// or waits and is refused with ErrMissingLink. Links to SDK models have no
// policy: the platform deletes those rows, not plugins. GORM's model hooks
// (BeforeDelete, AfterDelete) are not run for the collected rows.
func Delete(ctx context.Context, db *gorm.DB, rows any) (Deleted, error) {
	res := Deleted{Rows: map[string]int64{}, Nulled: map[string]int64{}}
	if db == nil {
		return res, fmt.Errorf("%w: Delete", ErrNilDB)
	}
	ns, err := scope.Namespace(db)
	if err != nil {
		return res, fmt.Errorf("custommodel: %w", err)
	}
	rt, ok := structType(rows)
	if ok && (classify(rt) == kindSDK || classify(rt) == kindExtension) {
		return res, readOnlyError(rt.Name(), "delete")
	}
	if !ok || classify(rt) != kindCustom {
		return res, fmt.Errorf("%w: Delete takes custom model rows (*T, []T, []*T or *[]T of a struct embedding custommodel.CustomModel), not %T", ErrDeclaration, rows)
	}
	tx := db.WithContext(ctx)
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(reflect.New(rt).Interface()); err != nil {
		return res, fmt.Errorf("custommodel: parse model %s: %w", rt.Name(), err)
	}
	t, err := tableOf(rt, stmt.Schema)
	if err != nil {
		return res, err
	}
	discover(stmt.Schema)
	keys, err := rowKeys(ctx, stmt.Schema, t, rows)
	if err != nil {
		return res, err
	}
	if len(keys) == 0 {
		return res, nil
	}
	c := &collector{ns: ns, deleted: res}
	err = tx.Transaction(func(tx *gorm.DB) error {
		c.tx = tx
		return c.run(rt, t, keys)
	})
	if undefinedTable(err) {
		err = notInstalled(ns, t.goName, "", err)
	}
	if err != nil {
		return Deleted{Rows: map[string]int64{}, Nulled: map[string]int64{}}, err
	}
	return c.deleted, nil
}

// discover registers the models that s's reverse relations point to.
func discover(s *schema.Schema) {
	for _, rel := range s.Relationships.Relations {
		if rel.Type != schema.HasOne && rel.Type != schema.HasMany {
			continue
		}
		ct := rel.FieldSchema.ModelType
		registry.RLock()
		seen := registry.seen[ct]
		registry.RUnlock()
		if !seen && classify(ct) == kindCustom {
			_, _ = tableOf(ct, rel.FieldSchema)
		}
	}
}

// rowKeys returns the primary keys (as text) of rows.
func rowKeys(ctx context.Context, s *schema.Schema, t *table, rows any) ([]string, error) {
	f := s.FieldsByDBName[t.pk.name]
	if f == nil {
		return nil, fmt.Errorf("custommodel: %s: no key field", t.goName)
	}
	rv := reflect.ValueOf(rows)
	for rv.Kind() == reflect.Pointer && rv.Type().Elem().Kind() != reflect.Struct {
		rv = rv.Elem()
	}
	var items []reflect.Value
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, fmt.Errorf("custommodel: Delete: nil *%s", t.goName)
		}
		items = append(items, rv.Elem())
	case reflect.Struct:
		items = append(items, rv)
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			e := rv.Index(i)
			if e.Kind() == reflect.Pointer {
				if e.IsNil() {
					return nil, fmt.Errorf("custommodel: Delete: row %d is nil", i)
				}
				e = e.Elem()
			}
			items = append(items, e)
		}
	default:
		return nil, fmt.Errorf("custommodel: Delete: cannot delete a %s", rv.Kind())
	}
	keys := make([]string, 0, len(items))
	for i, it := range items {
		v, zero := f.ValueOf(ctx, it)
		if zero {
			return nil, fmt.Errorf("%w: Delete: %s row %d has no key (%s is zero); load the rows first", ErrLookup, t.goName, i, f.Name)
		}
		keys = append(keys, fmt.Sprint(deref(v)))
	}
	return keys, nil
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	return rv.Interface()
}

// collector follows links from the rows to delete, as Django's does.
type collector struct {
	tx      *gorm.DB
	ns      string
	deleted Deleted
	// collected keys per model, and the order models were first reached
	collected map[reflect.Type]map[string]bool
	info      map[reflect.Type]modelInfo
	depth     map[reflect.Type]int
	nulls     []nullUpdate
	restrict  []restricted
	refused   []error
	// skipRoots leaves the rows passed to run undeleted (db.Delete's own
	// statement deletes them).
	skipRoots bool
	roots     map[string]bool
	rootType  reflect.Type
	// tables are the tables of the namespace that dependents may live in
	tables map[string]bool
}

// findTables looks up which tables of the models that may link (through
// any number of links) to rt exist in the namespace: the registry is
// shared by every namespace of the process, and a model registered for
// one need not have a table in another.
func (c *collector) findTables(rt reflect.Type) error {
	var names []string
	seen := map[reflect.Type]bool{rt: true}
	for queue := []reflect.Type{rt}; len(queue) > 0; queue = queue[1:] {
		for _, d := range dependentsOf(queue[0]) {
			names = append(names, d.table)
			if !seen[d.child] {
				seen[d.child] = true
				queue = append(queue, d.child)
			}
		}
	}
	c.tables = map[string]bool{}
	if len(names) == 0 {
		return nil
	}
	found, err := c.selectKeys(`SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ? AND c.relname = ANY(CAST(? AS text[])) AND c.relkind IN ('r', 'p')`, c.ns, textArray(names))
	if err != nil {
		return fmt.Errorf("find the tables that link to it: %w", err)
	}
	for _, n := range found {
		c.tables[n] = true
	}
	return nil
}

type modelInfo struct{ goName, table, key, keyType string }

type nullUpdate struct {
	d       dependent
	parents []string
}

type restricted struct {
	d    dependent
	from string // the model deleted
	keys []string
}

func (c *collector) qt(table string) string { return sqlident.Quote(c.ns, table) }

// selectKeys runs a query returning one text column.
func (c *collector) selectKeys(q string, args ...any) ([]string, error) {
	var keys []string
	if err := c.tx.Raw(q, args...).Scan(&keys).Error; err != nil {
		return nil, err
	}
	return keys, nil
}

func (c *collector) run(rt reflect.Type, t *table, keys []string) error {
	c.rootType = rt
	c.collected = map[reflect.Type]map[string]bool{}
	c.info = map[reflect.Type]modelInfo{}
	c.depth = map[reflect.Type]int{}
	root := modelInfo{goName: t.goName, table: t.name, key: t.pk.name, keyType: baseType(t.pk.sqlType)}
	c.info[rt] = root
	locked, err := c.selectKeys(`SELECT `+sqlident.Quote(root.key)+`::text FROM `+c.qt(root.table)+` WHERE `+sqlident.Quote(root.key)+
		` = ANY(CAST(? AS text[])::`+root.keyType+`[]) FOR UPDATE`, textArray(keys))
	if err != nil {
		return fmt.Errorf("custommodel: delete %s: %w", t.goName, err)
	}
	type level struct {
		rt   reflect.Type
		keys []string
		d    int
	}
	rootKeys := c.add(rt, locked)
	c.roots = map[string]bool{}
	for _, k := range rootKeys {
		c.roots[k] = true
	}
	if err := c.findTables(rt); err != nil {
		return fmt.Errorf("custommodel: delete %s: %w", t.goName, err)
	}
	queue := []level{{rt, rootKeys, 0}}
	for len(queue) > 0 {
		l := queue[0]
		queue = queue[1:]
		if len(l.keys) == 0 {
			continue
		}
		parent := c.info[l.rt]
		for _, d := range dependentsOf(l.rt) {
			if !c.tables[d.table] {
				continue // a model of another namespace, or not installed here
			}
			where := ` FROM ` + c.qt(d.table) + ` WHERE ` + sqlident.Quote(d.link.column) + ` = ANY(CAST(? AS text[])::` + d.link.targetKeyType + `[])`
			switch d.link.policy {
			case Cascade:
				got, err := c.selectKeys(`SELECT `+sqlident.Quote(d.key)+`::text`+where+` FOR UPDATE`, textArray(l.keys))
				if err != nil {
					return fmt.Errorf("custommodel: delete %s: collect %s: %w", parent.goName, d.goName, err)
				}
				c.info[d.child] = modelInfo{goName: d.goName, table: d.table, key: d.key, keyType: d.keyType}
				c.depth[d.child] = max(c.depth[d.child], l.d+1)
				queue = append(queue, level{d.child, c.add(d.child, got), l.d + 1})
			case SetNull:
				c.nulls = append(c.nulls, nullUpdate{d: d, parents: l.keys})
			case Protect, Restrict:
				got, err := c.selectKeys(`SELECT `+sqlident.Quote(d.key)+`::text`+where, textArray(l.keys))
				if err != nil {
					return fmt.Errorf("custommodel: delete %s: check %s: %w", parent.goName, d.goName, err)
				}
				if len(got) == 0 {
					continue
				}
				if d.link.policy == Protect {
					c.refused = append(c.refused, &DeleteRefusedError{Model: parent.goName, By: d.goName, Field: d.link.field, Count: len(got), Policy: Protect})
				} else {
					c.restrict = append(c.restrict, restricted{d: d, from: parent.goName, keys: got})
				}
			}
		}
	}
	for _, r := range c.restrict {
		n := 0
		for _, k := range r.keys {
			if !c.collected[r.d.child][k] {
				n++
			}
		}
		if n > 0 {
			c.refused = append(c.refused, &DeleteRefusedError{Model: r.from, By: r.d.goName, Field: r.d.link.field, Count: n, Policy: Restrict})
		}
	}
	if len(c.refused) > 0 {
		return errors.Join(c.refused...)
	}
	for _, u := range c.nulls {
		res := c.tx.Exec(`UPDATE `+c.qt(u.d.table)+` SET `+sqlident.Quote(u.d.link.column)+` = NULL WHERE `+sqlident.Quote(u.d.link.column)+
			` = ANY(CAST(? AS text[])::`+u.d.link.targetKeyType+`[])`, textArray(u.parents))
		if res.Error != nil {
			return fmt.Errorf("custommodel: delete: set %s.%s to NULL: %w", u.d.goName, u.d.link.field, res.Error)
		}
		c.deleted.Nulled[u.d.goName] += res.RowsAffected
	}
	// Deepest links first, the rows passed last.
	types := make([]reflect.Type, 0, len(c.collected))
	for rt := range c.collected {
		types = append(types, rt)
	}
	sort.Slice(types, func(i, j int) bool {
		if c.depth[types[i]] != c.depth[types[j]] {
			return c.depth[types[i]] > c.depth[types[j]]
		}
		return c.info[types[i]].goName < c.info[types[j]].goName
	})
	for _, rt := range types {
		m := c.info[rt]
		keys := make([]string, 0, len(c.collected[rt]))
		for k := range c.collected[rt] {
			if c.skipRoots && rt == c.rootType && c.roots[k] {
				continue
			}
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			continue
		}
		res := c.tx.Exec(`DELETE FROM `+c.qt(m.table)+` WHERE `+sqlident.Quote(m.key)+` = ANY(CAST(? AS text[])::`+m.keyType+`[])`, textArray(keys))
		if res.Error != nil {
			return fmt.Errorf("custommodel: delete %s rows: %w", m.goName, res.Error)
		}
		c.deleted.Rows[m.goName] += res.RowsAffected
	}
	return nil
}

// textArray wraps keys as a text[] parameter (a struct, so that GORM passes
// it through instead of expanding a slice into a list).
func textArray(s []string) pgtype.Array[string] {
	return pgtype.Array[string]{Elements: s, Dims: []pgtype.ArrayDimension{{Length: int32(len(s)), LowerBound: 1}}, Valid: true}
}

// add records keys of rt and returns those not collected before.
func (c *collector) add(rt reflect.Type, keys []string) []string {
	set := c.collected[rt]
	if set == nil {
		set = map[string]bool{}
		c.collected[rt] = set
	}
	var fresh []string
	for _, k := range keys {
		if !set[k] {
			set[k] = true
			fresh = append(fresh, k)
		}
	}
	return fresh
}
