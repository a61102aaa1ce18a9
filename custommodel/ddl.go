package custommodel

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// DDL validates models and returns the statements that create or extend
// their tables inside namespace, in Canvas's shape:
//
//	CREATE TABLE IF NOT EXISTS "ns"."t" (<primary key column> PRIMARY KEY)
//	ALTER TABLE "ns"."t" ADD COLUMN IF NOT EXISTS "c" <type>   -- one per field
//	CREATE [UNIQUE] INDEX IF NOT EXISTS "ns_t_..." ON "ns"."t" ... -- links, declared indexes
//
// Index names are those Canvas's Python DDL gives the same declarations
// (see canvasIndexName), so that a table both SDKs declare gets each index
// once: CREATE INDEX IF NOT EXISTS skips a name that exists.
//
// Nothing is ever dropped or retyped; columns are nullable, with no
// defaults and no REFERENCES constraints. Models are pointers to (or values
// of) structs embedding CustomModel; SDK model extensions may be passed too
// (they are validated and need no statements). Tables come out sorted by
// name and each table's statements in field order, so the output depends
// only on the models' declarations: the same models always give the same
// statements.
//
// Every broken declaration rule is reported at once (errors.Join of
// *DeclarationError); errors.Is(err, ErrDeclaration) holds for all of them.
func DDL(namespace string, models ...any) ([]string, error) {
	ms, err := ParseModels(namespace, models...)
	if err != nil {
		return nil, err
	}
	return ms.DDL(), nil
}

// Models are models validated for a namespace once, for a caller that
// needs several of DDL, IndexRenames and CheckExisting of the same models
// (an install needs all three) without validating and parsing them again
// for each.
type Models struct {
	namespace string
	tables    []*table
	names     map[*index]string
}

// ParseModels validates models for namespace as DDL does, with the same
// errors.
func ParseModels(namespace string, models ...any) (*Models, error) {
	tables, err := parseModels(namespace, models)
	if err != nil {
		return nil, err
	}
	names, err := canvasIndexNames(namespace, tables)
	if err != nil {
		return nil, err
	}
	return &Models{namespace: namespace, tables: tables, names: names}, nil
}

// DDL returns the statements DDL returns for the models.
func (ms *Models) DDL() []string {
	var stmts []string
	for _, t := range ms.tables {
		stmts = append(stmts, t.ddl(ms.namespace, ms.names)...)
	}
	return stmts
}

func parseModels(namespace string, models []any) ([]*table, error) {
	if err := manifest.ValidateNamespace(namespace); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDeclaration, err)
	}
	cache := &sync.Map{}
	namer := scope.Namer{Schema: namespace}
	var (
		errs       []error
		tables     []*table
		extensions = map[reflect.Type]*schema.Schema{}
		byTable    = map[string]string{}
	)
	for i, m := range models {
		rt, ok := structType(m)
		if !ok {
			errs = append(errs, fmt.Errorf("%w: model #%d is %T, not a struct (pass a pointer to a struct embedding custommodel.CustomModel)", ErrDeclaration, i+1, m))
			continue
		}
		if err := checkKind(rt); err != nil {
			errs = append(errs, err)
			continue
		}
		// GORM's parser reports its errors on logger.Default (stdout) as
		// well as returning them, and takes no logger: refuse the field
		// types it cannot parse before it sees them.
		if perrs := precheckModel(rt); len(perrs) > 0 {
			errs = append(errs, perrs...)
			continue
		}
		s, err := schema.Parse(reflect.New(rt).Interface(), cache, namer)
		if err != nil {
			errs = append(errs, &DeclarationError{Model: rt.Name(), Problem: "GORM cannot parse it: " + err.Error(),
				Fix: "check its gorm tags; a struct, map or slice field stored as JSON needs `gorm:\"serializer:json\"`", Kind: ErrDeclaration})
			continue
		}
		if classify(rt) == kindExtension {
			extensions[rt] = s
			errs = append(errs, constraintErrors(s)...)
			continue
		}
		t, terrs := analyze(s)
		if len(terrs) > 0 {
			errs = append(errs, terrs...)
			continue
		}
		if other, dup := byTable[t.name]; dup {
			if other == rt.PkgPath()+"."+rt.Name() {
				continue // the same model twice
			}
			errs = append(errs, declErr(rt.Name(), "", "has the same table name ("+t.name+") as "+other, "rename one of the structs"))
			continue
		}
		byTable[t.name] = rt.PkgPath() + "." + rt.Name()
		tables = append(tables, t)
		for _, rel := range s.Relationships.Relations {
			if classify(rel.FieldSchema.ModelType) == kindExtension {
				extensions[rel.FieldSchema.ModelType] = rel.FieldSchema
			}
		}
	}
	extTypes := make([]reflect.Type, 0, len(extensions))
	for rt := range extensions {
		extTypes = append(extTypes, rt)
	}
	sort.Slice(extTypes, func(i, j int) bool { return extTypes[i].String() < extTypes[j].String() })
	for _, rt := range extTypes {
		errs = append(errs, checkExtension(extensions[rt])...)
	}
	if len(errs) == 0 {
		byType := map[reflect.Type]*table{}
		for _, t := range tables {
			byType[t.schema.ModelType] = t
		}
		for _, t := range tables {
			errs = append(errs, checkReverseLinks(t.schema, byType)...)
		}
		for _, rt := range extTypes {
			errs = append(errs, checkReverseLinks(extensions[rt], byType)...)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].name < tables[j].name })
	for _, t := range tables {
		register(t) // delete policies, for Delete
	}
	return tables, nil
}

// checkReverseLinks refuses a reverse relation (has-one, has-many) of s to
// a model of this call whose foreign key column that model does not declare
// as a link: the column would get no automatic index, and the relation's
// other direction would be missing.
func checkReverseLinks(s *schema.Schema, byType map[reflect.Type]*table) []error {
	var errs []error
	for _, name := range relationNames(s) {
		rel := s.Relationships.Relations[name]
		if rel.Type != schema.HasOne && rel.Type != schema.HasMany || len(rel.References) != 1 {
			continue
		}
		child, ok := byType[rel.FieldSchema.ModelType]
		if !ok {
			continue // not among the models being declared
		}
		ref := rel.References[0]
		if c := child.column(ref.ForeignKey.DBName); c == nil || c.link {
			continue
		}
		errs = append(errs, declErr(s.Name, rel.Name,
			fmt.Sprintf("is a reverse relation over %s.%s, which %s does not declare as a link (its column would get no index)", child.goName, ref.ForeignKey.Name, child.goName),
			fmt.Sprintf("declare the link on %s too: `%s *%s `gorm:\"foreignKey:%s;references:%s\"``", child.goName, s.Name, s.Name, ref.ForeignKey.Name, ref.PrimaryKey.Name)))
	}
	return errs
}

func (t *table) ddl(namespace string, names map[*index]string) []string {
	qt := sqlident.Quote(namespace, t.name)
	pk := sqlident.Quote(t.pk.name) + " " + t.pk.sqlType
	if t.pk.identity {
		pk += " GENERATED BY DEFAULT AS IDENTITY"
	}
	stmts := []string{"CREATE TABLE IF NOT EXISTS " + qt + " (" + pk + " PRIMARY KEY)"}
	for _, c := range t.columns {
		stmts = append(stmts, "ALTER TABLE "+qt+" ADD COLUMN IF NOT EXISTS "+sqlident.Quote(c.name)+" "+c.sqlType)
	}
	for _, idx := range t.indexes {
		var b strings.Builder
		b.WriteString("CREATE ")
		if idx.unique {
			b.WriteString("UNIQUE ")
		}
		b.WriteString("INDEX IF NOT EXISTS " + sqlident.Quote(names[idx]) + " ON " + qt)
		if idx.using != "" {
			b.WriteString(" USING " + idx.using)
		}
		b.WriteString(" (")
		for i, c := range idx.cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqlident.Quote(c.name))
			if c.desc {
				b.WriteString(" DESC")
			}
		}
		b.WriteString(")")
		if idx.where != "" {
			// The predicate is SQL written by the model's author in a
			// struct tag (like a Django Q condition), never user input.
			b.WriteString(" WHERE " + idx.where)
		}
		stmts = append(stmts, b.String())
	}
	return stmts
}

// precheckFields finds, in model t and in the models its relations reach, the
// fields whose Go type GORM's schema parser would fail on (a map, a slice
// or a struct that is neither a stored value type nor a relation to a
// model, without a serializer), so that DDL can report them without GORM
// logging the failure. Fields of other types are left to the parser and
// the declaration rules.
func precheckFields(t reflect.Type, seen map[reflect.Type]bool) []error {
	return walkModelFields(t, seen, func(model reflect.Type, sf reflect.StructField, ft reflect.Type, _ map[string]string) (reflect.Type, error) {
		if storedValueType(ft) {
			return nil, nil
		}
		elem := ft
		if ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array {
			elem = ft.Elem()
			for elem.Kind() == reflect.Pointer {
				elem = elem.Elem()
			}
		}
		if elem.Kind() == reflect.Struct && classify(elem) != kindOther {
			if classify(elem) != kindSDK {
				return elem, nil
			}
			return nil, nil // a relation: the rules check it after parsing
		}
		switch ft.Kind() {
		case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Interface, reflect.Chan, reflect.Func:
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8 {
				return nil, nil // []byte: the declaration rules refuse it with a fix
			}
			return nil, &DeclarationError{Model: model.Name(), Field: sf.Name, Problem: "has unsupported type " + sf.Type.String(),
				Fix: typeFixFor(sf.Type), Kind: ErrUnsupportedType}
		}
		return nil, nil
	})
}

// storedValueType reports whether t is stored in one column without a
// serializer: a scalar, or a type that converts itself (decimal, date,
// time, UUID, json.RawMessage).
func storedValueType(t reflect.Type) bool {
	switch t {
	case decimalType, dateType, timeType, uuidType, rawJSONType:
		return true
	}
	if reflect.PointerTo(t).Implements(scannerType) || t.Implements(valuerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Interface, reflect.Chan, reflect.Func:
		return false
	}
	return true
}

// canvasIndexName returns the name Canvas's Python DDL gives the same index
// in namespace, "<namespace>_<table>_<name>" with <name>:
//
//   - a declared name (index:NAME, uniqueIndex:NAME): NAME, as a Django
//     Index or UniqueConstraint of that name;
//   - a one-to-one link that is not the key: uq_<table>_<column>, the unique
//     index Canvas adds for a OneToOneField;
//   - a link's automatic index, or an unnamed index: Django's generated
//     index name (djangoIndexName);
//   - an unnamed unique index (Django has no such thing):
//     <table>_<columns>_uniq.
//
// PostgreSQL folds the unquoted names of Canvas's DDL to lower case; so
// does this. canvasIndexNames fits the name to 63 bytes.
func canvasIndexName(namespace string, t *table, idx *index) string {
	var name string
	switch {
	case idx.link && idx.unique:
		name = "uq_" + t.name + "_" + idx.cols[0].name
	case idx.declared != "":
		name = idx.declared
	case idx.unique:
		// Django has no unnamed unique constraint: <table>_<columns>_uniq.
		cols := make([]string, len(idx.cols))
		for i, c := range idx.cols {
			cols[i] = c.name
		}
		name = t.name + "_" + strings.Join(cols, "_") + "_uniq"
	default:
		suffix := "idx"
		if idx.using != "" {
			suffix = idx.using // Django's GinIndex is "gin", HashIndex "hash", ...
		}
		name = djangoIndexName(t.name, idx.cols, suffix)
	}
	return strings.ToLower(namespace + "_" + t.name + "_" + name)
}

// cutIdentifier cuts name to PostgreSQL's 63 bytes, as PostgreSQL cuts
// the unquoted names of Canvas's DDL.
func cutIdentifier(name string) string {
	if len(name) <= maxIdentifier {
		return name
	}
	name = name[:maxIdentifier]
	for !utf8.ValidString(name) {
		name = name[:len(name)-1]
	}
	return name
}

// hashedIdentifier cuts name shorter than PostgreSQL's 63 bytes and ends
// it in "_" and 8 hex digits of its MD5, so that long names that differ
// only beyond the cut stay apart.
func hashedIdentifier(name string) string {
	sum := md5.Sum([]byte(name))
	suffix := "_" + hex.EncodeToString(sum[:])[:8]
	return cutIdentifier(name[:min(len(name), maxIdentifier-len(suffix))]) + suffix
}

// djangoIndexName is the name Django generates for an unnamed index
// (Index.set_name_with_model): the table's first 11 characters, the first
// column's first 7, the first 6 hex digits of the MD5 of the table, each
// column ("-column" when descending) and the suffix, and the suffix, joined
// by "_" (e.g. booking_room_id_cce905_idx).
func djangoIndexName(table string, cols []indexColumn, suffix string) string {
	h := md5.New()
	h.Write([]byte(table))
	for _, c := range cols {
		if c.desc {
			h.Write([]byte("-"))
		}
		h.Write([]byte(c.name))
	}
	h.Write([]byte(suffix))
	name := cut(table, 11) + "_" + cut(cols[0].name, 7) + "_" + hex.EncodeToString(h.Sum(nil))[:6] + "_" + suffix
	if name[0] == '_' || (name[0] >= '0' && name[0] <= '9') {
		name = "D" + name[1:]
	}
	return name
}

// cut returns the first n characters of s.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// canvasIndexNames names every index of tables: canvasIndexName, cut to
// 63 bytes as PostgreSQL cuts Canvas's names, so that both SDKs name it
// alike. Where the cut gives several indexes of tables one name (a long
// namespace: Canvas's runner would then silently create only the first of
// them), each of those gets hashedIdentifier's name instead. Two indexes
// that still share a name are refused: CREATE INDEX IF NOT EXISTS would
// silently skip the second.
func canvasIndexNames(namespace string, tables []*table) (map[*index]string, error) {
	full := map[*index]string{}
	count := map[string]int{}
	for _, t := range tables {
		for _, idx := range t.indexes {
			full[idx] = canvasIndexName(namespace, t, idx)
			count[cutIdentifier(full[idx])]++
		}
	}
	names := map[*index]string{}
	owner := map[string]string{}
	var errs []error
	for _, t := range tables {
		for _, idx := range t.indexes {
			n := cutIdentifier(full[idx])
			if count[n] > 1 && n != full[idx] {
				n = hashedIdentifier(full[idx])
			}
			names[idx] = n
			if other, dup := owner[n]; dup {
				errs = append(errs, declErr(t.goName, "", fmt.Sprintf("has an index whose name in namespace %s, %s, is also that of an index of %s", namespace, n, other),
					"give the index a different name"))
				continue
			}
			owner[n] = t.goName
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return names, nil
}

// IndexRename is an index whose name changed: Old is the name earlier
// versions of this package gave it (<table>_<name or columns>_idx or
// _uniq), New the name DDL gives it now (Canvas's).
type IndexRename struct {
	Table string
	Old   string
	New   string
}

// IndexRenames validates models as DDL does and returns, table by table,
// the indexes whose names changed when this package took Canvas's names,
// so that an install into a namespace made earlier can rename them instead
// of creating each index a second time.
func IndexRenames(namespace string, models ...any) ([]IndexRename, error) {
	ms, err := ParseModels(namespace, models...)
	if err != nil {
		return nil, err
	}
	return ms.IndexRenames(), nil
}

// IndexRenames returns what IndexRenames returns for the models.
func (ms *Models) IndexRenames() []IndexRename {
	var out []IndexRename
	for _, t := range ms.tables {
		for _, idx := range t.indexes {
			if idx.name != ms.names[idx] {
				out = append(out, IndexRename{Table: t.name, Old: idx.name, New: ms.names[idx]})
			}
		}
	}
	return out
}
