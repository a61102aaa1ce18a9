package custommodel

import (
	"fmt"
	"reflect"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

const (
	linksCallback  = "customdata:links"
	deleteCallback = "customdata:on_delete"
	txCallback     = "customdata:commit_or_rollback"
	// startedTx marks a statement whose transaction these callbacks began.
	startedTx = "customdata:started_transaction"
)

// registerPolicyCallbacks installs the callbacks that keep delete policies
// whole under GORM: a create or update that sets a link with a policy locks
// the linked row (FOR KEY SHARE) and refuses a missing one; db.Delete of a
// model that others link to with a policy applies the policies, as Delete
// does. Each runs in the statement's transaction, begun here if there is
// none, and committed after GORM's own callbacks.
func registerPolicyCallbacks(db *gorm.DB) error {
	cb := db.Callback()
	if cb.Create().Get(linksCallback) == nil {
		if err := cb.Create().After(limitsCallback).Before("gorm:save_before_associations").Register(linksCallback, lockLinks); err != nil {
			return fmt.Errorf("custommodel: register create callback: %w", err)
		}
	}
	if cb.Update().Get(linksCallback) == nil {
		if err := cb.Update().After(limitsCallback).Before("gorm:save_before_associations").Register(linksCallback, lockLinks); err != nil {
			return fmt.Errorf("custommodel: register update callback: %w", err)
		}
	}
	if cb.Delete().Get(deleteCallback) == nil {
		if err := cb.Delete().After("gorm:before_delete").Before("gorm:delete").Register(deleteCallback, applyPolicies); err != nil {
			return fmt.Errorf("custommodel: register delete callback: %w", err)
		}
	}
	if cb.Create().Get(txCallback) == nil {
		if err := cb.Create().After("gorm:commit_or_rollback_transaction").Register(txCallback, endTx); err != nil {
			return fmt.Errorf("custommodel: register create callback: %w", err)
		}
	}
	if cb.Update().Get(txCallback) == nil {
		if err := cb.Update().After("gorm:commit_or_rollback_transaction").Register(txCallback, endTx); err != nil {
			return fmt.Errorf("custommodel: register update callback: %w", err)
		}
	}
	if cb.Delete().Get(txCallback) == nil {
		if err := cb.Delete().After("gorm:commit_or_rollback_transaction").Register(txCallback, endTx); err != nil {
			return fmt.Errorf("custommodel: register delete callback: %w", err)
		}
	}
	return nil
}

// beginTx makes db's statement run in a transaction, as GORM's own
// default transaction does; endTx commits or rolls it back.
func beginTx(db *gorm.DB) bool {
	if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		return true
	}
	tx := db.Begin()
	if tx.Error != nil {
		_ = db.AddError(fmt.Errorf("custommodel: begin the transaction of a write with delete policies: %w", tx.Error))
		return false
	}
	db.Statement.ConnPool = tx.Statement.ConnPool
	db.InstanceSet(startedTx, true)
	return true
}

func endTx(db *gorm.DB) {
	if _, ok := db.InstanceGet(startedTx); !ok {
		return
	}
	if db.Error != nil {
		db.Rollback()
	} else {
		db.Commit()
	}
	db.Statement.ConnPool = db.ConnPool
}

// policyTable returns the analyzed custom model of db's statement, or nil.
func policyTable(db *gorm.DB) *table {
	if db.Error != nil || db.Statement == nil || db.Statement.Schema == nil {
		return nil
	}
	s := db.Statement.Schema
	if classify(s.ModelType) != kindCustom {
		return nil
	}
	t, err := tableOf(s.ModelType, s)
	if err != nil {
		return nil // the model's own errors are reported where it is used
	}
	return t
}

// lockLinks locks the rows that a created or updated row's policy links
// point to, and refuses links to missing rows.
func lockLinks(db *gorm.DB) {
	t := policyTable(db)
	if t == nil || len(t.policies) == 0 {
		return
	}
	ns, err := scope.Namespace(db)
	if err != nil {
		return
	}
	st := db.Statement
	s := st.Schema
	vals := map[string][]string{} // column -> linked keys
	addRow := func(rv reflect.Value) {
		for rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return
			}
			rv = rv.Elem()
		}
		if rv.Kind() != reflect.Struct {
			return
		}
		for _, l := range t.policies {
			f := s.FieldsByDBName[l.column]
			if f == nil {
				continue
			}
			if v, zero := f.ValueOf(st.Context, rv); !zero && !isNil(v) {
				vals[l.column] = append(vals[l.column], fmt.Sprint(deref(v)))
			}
		}
	}
	addRows := func(rv reflect.Value) {
		for rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() != reflect.Struct {
			rv = rv.Elem()
		}
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			for i := range rv.Len() {
				addRow(rv.Index(i))
			}
		default:
			addRow(rv)
		}
	}
	addMap := func(m map[string]any) {
		for _, l := range t.policies {
			for _, k := range []string{l.column, l.field} {
				if v, ok := m[k]; ok && !isNil(v) {
					if _, expr := v.(clause.Expression); expr {
						// gorm.Expr and the like: SQL the database
						// computes, not a key this can check.
						continue
					}
					vals[l.column] = append(vals[l.column], fmt.Sprint(deref(v)))
				}
			}
		}
	}
	switch d := st.Dest.(type) {
	case map[string]any:
		addMap(d)
	case *map[string]any:
		addMap(*d)
	case []map[string]any:
		for _, m := range d {
			addMap(m)
		}
	default:
		dv := reflect.ValueOf(st.Dest)
		if dv.IsValid() && !sameRows(dv, st.ReflectValue) {
			addRows(dv) // Model(&row).Updates(T{...}): the new values
		} else if st.ReflectValue.IsValid() {
			addRows(st.ReflectValue)
		}
	}
	if len(vals) == 0 || !beginTx(db) {
		return
	}
	q := db.Session(&gorm.Session{NewDB: true, SkipHooks: true})
	for _, l := range t.policies {
		keys := vals[l.column]
		if len(keys) == 0 {
			continue
		}
		var found []string
		err := q.Raw(`SELECT `+sqlident.Quote(l.targetKey)+`::text FROM `+sqlident.Quote(ns, l.targetTable)+` WHERE `+sqlident.Quote(l.targetKey)+
			` = ANY(CAST(? AS text[])::`+baseType(t.column(l.column).sqlType)+`[]) FOR KEY SHARE`, textArray(keys)).Scan(&found).Error
		if err != nil {
			_ = db.AddError(fmt.Errorf("custommodel: %s.%s: lock the linked %s rows: %w", t.goName, l.field, l.goTarget, err))
			return
		}
		have := map[string]bool{}
		for _, k := range found {
			have[k] = true
		}
		for _, k := range keys {
			if !have[k] {
				_ = db.AddError(fmt.Errorf("%w: %s.%s = %s: no %s row has %s %s (deleted meanwhile?); a link with on_delete:%s must point to an existing row",
					ErrMissingLink, t.goName, l.field, k, l.goTarget, l.targetKey, k, l.policy))
				return
			}
		}
	}
}

// applyPolicies makes db.Delete of a custom model apply the delete
// policies of the links that point to it: the rows the statement selects
// are locked, the collector runs in the statement's transaction, and the
// statement is narrowed to the locked rows, which GORM then deletes.
func applyPolicies(db *gorm.DB) {
	t := policyTable(db)
	if t == nil {
		return
	}
	st := db.Statement
	discover(st.Schema)
	if len(dependentsOf(t.modelType)) == 0 {
		return
	}
	ns, err := scope.Namespace(db)
	if err != nil {
		return
	}
	where := clause.Where{}
	if c, ok := st.Clauses["WHERE"]; ok {
		if w, ok := c.Expression.(clause.Where); ok {
			where.Exprs = append(where.Exprs, w.Exprs...)
		}
	}
	if st.ReflectValue.IsValid() {
		_, queryValues := schema.GetIdentityFieldValuesMap(st.Context, st.ReflectValue, st.Schema.PrimaryFields)
		column, values := schema.ToQueryValues(clause.CurrentTable, st.Schema.PrimaryFieldDBNames, queryValues)
		if len(values) > 0 {
			where.Exprs = append(where.Exprs, clause.IN{Column: column, Values: values})
		}
	}
	if len(where.Exprs) == 0 && !db.AllowGlobalUpdate {
		return // GORM refuses a delete without conditions (ErrMissingWhereClause)
	}
	if !beginTx(db) {
		return
	}
	key := sqlident.Quote(t.pk.name)
	var keys []string
	sess := db.Session(&gorm.Session{NewDB: true, SkipHooks: true})
	q := sess.Raw(`SELECT ` + key + `::text FROM ` + sqlident.Quote(ns, t.name) + ` FOR UPDATE`) // a global delete
	if len(where.Exprs) > 0 {
		q = sess.Model(reflect.New(t.modelType).Interface()).Select(key+"::text").Clauses(where, clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Scan(&keys).Error; err != nil {
		_ = db.AddError(fmt.Errorf("custommodel: delete %s: lock the rows: %w", t.goName, err))
		return
	}
	c := &collector{ns: ns, deleted: Deleted{Rows: map[string]int64{}, Nulled: map[string]int64{}},
		tx: db.Session(&gorm.Session{NewDB: true, SkipHooks: true}), skipRoots: true}
	if err := c.run(t.modelType, t, keys); err != nil {
		_ = db.AddError(err)
		return
	}
	st.AddClause(clause.Where{Exprs: []clause.Expression{clause.Expr{
		SQL:  sqlident.Quote(ns, t.name) + "." + key + " = ANY(CAST(? AS text[])::" + baseType(t.pk.sqlType) + "[])",
		Vars: []any{textArray(keys)},
	}}})
}
