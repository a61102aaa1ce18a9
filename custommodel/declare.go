package custommodel

import (
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/civil"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// maxIdentifier is PostgreSQL's identifier limit in bytes.
const maxIdentifier = 63

// Default precision and scale of a decimal.Decimal column, as Canvas's.
const (
	DefaultPrecision = 20
	DefaultScale     = 10
)

// tagKey is the struct tag this package reads besides GORM's.
const tagKey = "customdata"

// tagOneToOne marks a link (on its foreign key field or its navigation
// field) as one-to-one.
const tagOneToOne = "one_to_one"

// tableNameRE is what a custom model's table name must look like.
var tableNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// reservedTables are the system tables every namespace has; a model named
// like one would alter it.
var reservedTables = []string{systables.NamespaceAuth, systables.AttributeHub, systables.CustomAttribute, systables.SchemaVersion}

// table is a parsed, validated custom model.
type table struct {
	goName  string
	name    string // table name without the schema
	schema  *schema.Schema
	pk      *column
	columns []*column // every column but the primary key, in field order
	indexes []*index  // automatic link indexes first, then declared ones
	// keys are the column sets a lookup may be covered by: the primary
	// key, then every non-partial unique index.
	keys [][]string
	// modelType is the model's Go type; policies its links' delete
	// policies other than DO_NOTHING (delete.go); defaults its fields'
	// ORM defaults (defaults.go).
	modelType reflect.Type
	policies  []policyLink
}

type column struct {
	field    *schema.Field
	name     string
	sqlType  string
	link     bool
	oneToOne bool
	identity bool // CustomModel's dbid
	text     bool // text or jsonb: subject to MaxValueLength
}

type index struct {
	name   string
	unique bool
	using  string
	cols   []indexColumn
	where  string
	// declared is the name the model gave the index (index:NAME), "" for
	// an unnamed one; link is set on a link column's automatic index.
	// canvasIndexName (ddl.go) names the index from them.
	declared string
	link     bool
}

type indexColumn struct {
	name string
	desc bool
}

var (
	tablerType          = reflect.TypeOf((*schema.Tabler)(nil)).Elem()
	tablerWithNamerType = reflect.TypeOf((*schema.TablerWithNamer)(nil)).Elem()
	valuerType          = reflect.TypeOf((*driver.Valuer)(nil)).Elem()
	scannerType         = reflect.TypeOf((*sql.Scanner)(nil)).Elem()
	decimalType         = reflect.TypeOf(decimal.Decimal{})
	dateType            = reflect.TypeOf(civil.Date{})
	timeType            = reflect.TypeOf(time.Time{})
	rawJSONType         = reflect.TypeOf(json.RawMessage{})
	uuidType            = reflect.TypeOf(uuid.UUID{})
	sdkPkgPath          = reflect.TypeOf(sdkmodel.Note{}).PkgPath()
)

// modelKind classifies a Go struct type.
type modelKind int

const (
	kindOther     modelKind = iota // not a model this package knows
	kindCustom                     // embeds CustomModel
	kindSDK                        // a sdkmodel struct
	kindExtension                  // embeds a sdkmodel struct (ModelExtension)
)

func structType(model any) (reflect.Type, bool) {
	if model == nil {
		return nil, false
	}
	t := reflect.TypeOf(model)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t, t.Kind() == reflect.Struct
}

func classify(t reflect.Type) modelKind {
	if t.PkgPath() == sdkPkgPath {
		return kindSDK
	}
	if embeds(t, func(e reflect.Type) bool { return e == customModelType }) {
		return kindCustom
	}
	if embeds(t, func(e reflect.Type) bool { return e.PkgPath() == sdkPkgPath }) {
		return kindExtension
	}
	return kindOther
}

// embeds reports whether t embeds (directly or through embedded structs) a
// struct type for which match is true.
func embeds(t reflect.Type, match func(reflect.Type) bool) bool {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.Anonymous {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() != reflect.Struct {
			continue
		}
		if match(ft) || embeds(ft, match) {
			return true
		}
	}
	return false
}

func implementsTableName(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(tablerType) || p.Implements(tablerWithNamerType)
}

// checkKind applies the rules that need only the Go type.
func checkKind(t reflect.Type) error {
	switch classify(t) {
	case kindCustom:
		if implementsTableName(t) {
			return declErr(t.Name(), "", "implements TableName",
				fmt.Sprintf("custom model tables are named by the SDK (the struct name lowercased: %s); remove the TableName method", strings.ToLower(t.Name())))
		}
		return nil
	case kindSDK:
		return declErr(t.Name(), "", "is an SDK model (a read-only platform table), not a custom model",
			"pass only custom models (structs embedding custommodel.CustomModel) and SDK model extensions")
	case kindExtension:
		return nil
	}
	return declErr(t.Name(), "", "does not embed custommodel.CustomModel",
		"add custommodel.CustomModel as the struct's first field")
}

// checkExtension applies the rules of an SDK model extension (the Go form
// of the Python SDK's ModelExtension): it embeds one SDK model and adds only
// relation fields that point to custom models. Columns cannot be added: the
// platform's table is not the plugin's to change.
//
// The Python SDK also demands that a reverse relation's name on a shared SDK
// model start with the plugin's name, because every plugin's related_name
// lands on the same Python class. A Go extension is the plugin's own type,
// so its field names cannot collide with another plugin's; the rule has
// nothing to guard, and what is checked instead is that each field is a
// relation to a custom model.
func checkExtension(s *schema.Schema) []error {
	var errs []error
	for _, f := range s.Fields {
		if f.OwnerSchema != nil || f.TagSettings["-"] != "" {
			continue // from the embedded SDK model, or ignored
		}
		if f.DBName != "" {
			errs = append(errs, declErr(s.Name, f.Name, "adds a column to an SDK model extension",
				"an extension reads the platform's table and cannot add columns to it; put the field in a custom model linked to the SDK model"))
		}
	}
	for _, name := range relationNames(s) {
		rel := s.Relationships.Relations[name]
		if rel.Field.OwnerSchema != nil {
			continue
		}
		if classify(rel.FieldSchema.ModelType) != kindCustom {
			errs = append(errs, declErr(s.Name, rel.Name, "is a relation from an SDK model extension to "+rel.FieldSchema.Name+", which is not a custom model",
				"an extension may only add relations to custom models (reverse relations of their links)"))
			continue
		}
		if rel.Type == schema.Many2Many {
			errs = append(errs, many2manyErr(s.Name, rel.Name))
		}
	}
	return errs
}

func many2manyErr(model, field string) error {
	return declErr(model, field, "is a many-to-many relation without a through model",
		"declare the join model as a custom model with two links and give both sides a has-many relation to it")
}

func relationNames(s *schema.Schema) []string {
	names := make([]string, 0, len(s.Relationships.Relations))
	for n := range s.Relationships.Relations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func customTags(f *schema.Field) []string {
	v, ok := f.Tag.Lookup(tagKey)
	if !ok || v == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func hasCustomTag(f *schema.Field, tag string) bool {
	for _, t := range customTags(f) {
		if t == tag {
			return true
		}
	}
	return false
}

// analyze validates a parsed custom model and works out its columns,
// primary key and indexes.
func analyze(s *schema.Schema) (*table, []error) {
	t := &table{goName: s.Name, schema: s, name: strings.ToLower(s.Name), modelType: s.ModelType}
	var errs []error
	add := func(e error) { errs = append(errs, e) }
	var perrs []error
	t.policies, perrs = linkPolicies(s)
	errs = append(errs, perrs...)
	if len(t.name) > maxIdentifier {
		add(declErr(s.Name, "", fmt.Sprintf("table name %q is longer than PostgreSQL's %d bytes", t.name, maxIdentifier), "give the struct a shorter name"))
	}
	if !tableNameRE.MatchString(t.name) {
		add(declErr(s.Name, "", fmt.Sprintf("gives table name %q, which is not a plain lowercase identifier (letters, digits, underscores; not starting with a digit)", t.name),
			"declare the model as a named, non-generic struct type whose name is ASCII letters, digits and underscores"))
	}
	if slices.Contains(reservedTables, t.name) {
		add(declErr(s.Name, "", fmt.Sprintf("gives table name %q, which is one of the namespace's system tables", t.name),
			"rename the struct (namespace_auth, attribute_hub, custom_attribute and schema_version are reserved)"))
	}

	// Links: the foreign keys of belongs-to relations.
	type linkInfo struct {
		target   *schema.Field
		sdk      bool // the target is an SDK model or an extension of one
		oneToOne bool
	}
	links := map[*schema.Field]linkInfo{}
	for _, name := range relationNames(s) {
		rel := s.Relationships.Relations[name]
		switch {
		case rel.Type == schema.Many2Many:
			add(many2manyErr(s.Name, rel.Name))
			continue
		case rel.Polymorphic != nil:
			add(declErr(s.Name, rel.Name, "is a polymorphic relation", "link to one model type per field"))
			continue
		}
		target := classify(rel.FieldSchema.ModelType)
		if rel.Type != schema.BelongsTo {
			// A reverse relation (has-one / has-many): its column lives on
			// the other model.
			if target != kindCustom {
				add(declErr(s.Name, rel.Name, "is a reverse relation to "+rel.FieldSchema.Name+", which is not a custom model",
					"a custom model's reverse relations point to custom models that link to it"))
			}
			continue
		}
		if target == kindOther {
			add(declErr(s.Name, rel.Name, "links to "+rel.FieldSchema.Name+", which is neither a custom model, an SDK model nor an SDK model extension",
				"link to a custom model or an sdkmodel type (or a struct embedding one)"))
			continue
		}
		if len(rel.References) != 1 {
			add(declErr(s.Name, rel.Name, "is a link over several columns", "link through one column (the target's dbid)"))
			continue
		}
		ref := rel.References[0]
		li := links[ref.ForeignKey]
		li.target = ref.PrimaryKey
		li.sdk = target == kindSDK || target == kindExtension
		li.oneToOne = li.oneToOne || hasCustomTag(rel.Field, tagOneToOne) || hasCustomTag(ref.ForeignKey, tagOneToOne)
		links[ref.ForeignKey] = li
	}

	byName := map[string]*column{}
	for _, f := range s.Fields {
		if f.DBName == "" || f.TagSettings["-"] != "" || f.IgnoreMigration {
			continue
		}
		if _, dup := byName[f.DBName]; dup {
			continue
		}
		for _, tag := range customTags(f) {
			if !isCustomTag(tag) {
				add(declErr(s.Name, f.Name, fmt.Sprintf("has an unknown customdata tag %q", tag), `the customdata tags are "one_to_one" and "on_delete:<policy>"`))
			}
		}
		for _, bad := range []struct{ key, problem, fix string }{
			{"UNIQUE", "is declared unique per field", "use a unique index instead: `gorm:\"uniqueIndex\"` (shared name for a composite one)"},
			{"TYPE", "sets its column type", "the column type follows the Go type; remove type: (use precision:/scale: for decimals)"},
			{"NOT NULL", "is declared not null", "custom data columns are nullable; check required values in Go"},
			{"CHECK", "declares a check constraint", "custom data tables have no check constraints; validate in Go"},
		} {
			if _, ok := f.TagSettings[bad.key]; ok {
				add(declErr(s.Name, f.Name, bad.problem, bad.fix))
			}
		}
		if err := checkDefault(s.Name, f); err != nil {
			add(err)
		}
		c := &column{field: f, name: f.DBName, identity: isBaseDBID(f)}
		if len(c.name) > maxIdentifier {
			add(declErr(s.Name, f.Name, fmt.Sprintf("column name %q is longer than PostgreSQL's %d bytes", c.name, maxIdentifier), "use a shorter field name or column: tag"))
		}
		var err error
		if li, ok := links[f]; ok {
			c.link, c.oneToOne = true, li.oneToOne || f.PrimaryKey
			c.sqlType, err = linkType(li.target, li.sdk)
			if err != nil {
				err = declErr(s.Name, f.Name, "links to a key of unsupported type", "link to the target's dbid")
			}
		} else {
			if hasCustomTag(f, tagOneToOne) {
				add(declErr(s.Name, f.Name, "is tagged one_to_one but is not the foreign key of a link",
					"add the navigation field, e.g. `Note *CustomNote `gorm:\"foreignKey:NoteID;references:DBID\"``"))
			}
			c.sqlType, err = sqlType(f)
			if err != nil {
				err = &DeclarationError{Model: s.Name, Field: f.Name, Problem: err.Error(), Fix: typeFix(f), Kind: ErrUnsupportedType}
			}
		}
		if err != nil {
			add(err)
			continue
		}
		c.text = c.sqlType == "text" || c.sqlType == "jsonb"
		byName[c.name] = c
		if f.PrimaryKey {
			if !c.identity && !c.link {
				add(declErr(s.Name, f.Name, "is a primary key that is not a one-to-one link",
					"custom models are keyed by CustomModel's dbid; drop primaryKey and declare a unique index instead (a primary key may only be a one-to-one link, as NoteTag's note)"))
				continue
			}
			if t.pk != nil {
				add(declErr(s.Name, f.Name, "makes a composite primary key", "keep one primary key (dbid or a one-to-one link) and declare a unique index over the other columns"))
				continue
			}
			t.pk = c
			continue
		}
		t.columns = append(t.columns, c)
	}
	if t.pk == nil && len(errs) == 0 {
		add(declErr(s.Name, "", "has no primary key", "embed custommodel.CustomModel"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	t.keys = append(t.keys, []string{t.pk.name})

	// Automatic indexes on links (a link that is the primary key is
	// already indexed by it).
	for _, c := range t.columns {
		if !c.link {
			continue
		}
		idx := &index{unique: c.oneToOne, cols: []indexColumn{{name: c.name}}, link: true}
		idx.name = indexName(t.name, c.name, idx.unique)
		t.indexes = append(t.indexes, idx)
		if idx.unique {
			t.keys = append(t.keys, []string{c.name})
		}
	}

	// Declared indexes.
	named := userIndexNames(s)
	for _, gi := range parseIndexes(s) {
		idx, err := declaredIndex(t, gi, byName, named)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.indexes = append(t.indexes, idx)
		if idx.unique && idx.where == "" {
			key := make([]string, len(idx.cols))
			for i, ic := range idx.cols {
				key[i] = ic.name
			}
			t.keys = append(t.keys, key)
		}
	}
	seen := map[string]bool{}
	for _, idx := range t.indexes {
		if seen[idx.name] {
			errs = append(errs, declErr(s.Name, "", "declares two indexes named "+idx.name, "give each index its own name"))
		}
		seen[idx.name] = true
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// indexMethods maps each index method to the column types (as this package
// names them, numeric without its precision) that have a default operator
// class for it in PostgreSQL, so that CREATE INDEX needs no opclass. gist
// has none for these types (without the btree_gist extension).
var indexMethods = map[string][]string{
	"btree":  {"text", "boolean", "integer", "bigint", "double precision", "numeric", "date", "timestamptz", "uuid", "jsonb"},
	"hash":   {"text", "boolean", "integer", "bigint", "double precision", "numeric", "date", "timestamptz", "uuid", "jsonb"},
	"gin":    {"jsonb"},
	"gist":   {},
	"brin":   {"text", "integer", "bigint", "double precision", "numeric", "date", "timestamptz", "uuid"},
	"spgist": {"text"},
}

// baseType is a column type without its modifiers, for indexMethods:
// numeric(12,2) -> numeric. varchar (a link to an SDK model's varchar(32)
// key) has text's operator classes.
func baseType(sqlType string) string {
	base, _, _ := strings.Cut(sqlType, "(")
	if base == "varchar" {
		return "text"
	}
	return base
}

func declaredIndex(t *table, gi *schema.Index, byName map[string]*column, named map[string]bool) (*index, error) {
	first := ""
	if len(gi.Fields) > 0 {
		first = gi.Fields[0].Name
	}
	if gi.Class != "" && gi.Class != "UNIQUE" {
		return nil, declErr(t.goName, first, "declares a "+gi.Class+" index", "PostgreSQL has unique indexes and index methods (type:gin, ...), not index classes")
	}
	idx := &index{unique: gi.Class == "UNIQUE", where: gi.Where}
	if err := checkPredicate(t.goName, first, gi.Where); err != nil {
		return nil, err
	}
	if gi.Type != "" {
		idx.using = strings.ToLower(gi.Type)
		if _, ok := indexMethods[idx.using]; !ok {
			return nil, declErr(t.goName, first, "declares an index of unknown type "+gi.Type, "use btree, hash, gin, gist, brin or spgist")
		}
		if idx.using == "btree" {
			idx.using = "" // PostgreSQL's default: the same index
		}
	}
	method := idx.using
	if method == "" {
		method = "btree"
	}
	if idx.unique && method != "btree" {
		return nil, declErr(t.goName, first, "declares a unique "+method+" index, which PostgreSQL cannot build (only btree indexes can be unique)",
			"drop type:"+gi.Type+" from the uniqueIndex tag (a unique index is a btree)")
	}
	if len(gi.Fields) > 1 && (method == "hash" || method == "spgist") {
		return nil, declErr(t.goName, first, "declares a "+method+" index over several columns, which PostgreSQL cannot build",
			"index one column per "+method+" index, or use a btree index")
	}
	var names []string
	for _, o := range gi.Fields {
		if o.Expression != "" || o.Collate != "" || o.Length != 0 {
			return nil, declErr(t.goName, o.Name, "declares an index with expression, collate or length", "index plain columns (with sort:desc, where: and type: as needed)")
		}
		c, ok := byName[o.DBName]
		if !ok {
			return nil, declErr(t.goName, o.Name, "is indexed but is not a column", "index stored columns only")
		}
		sort := strings.ToUpper(o.Sort)
		if sort != "" && sort != "ASC" && sort != "DESC" {
			return nil, declErr(t.goName, o.Name, "declares index sort "+o.Sort, "use sort:desc or sort:asc")
		}
		if sort != "" && method != "btree" {
			return nil, declErr(t.goName, o.Name, "declares sort:"+o.Sort+" on a "+method+" index, which has no order", "remove sort: (only btree indexes are ordered)")
		}
		if !slices.Contains(indexMethods[method], baseType(c.sqlType)) {
			fix := "use a btree index (the default: remove type:)"
			if method == "gin" {
				fix = "gin indexes suit jsonb columns only (json.RawMessage or serializer:json fields); " + fix
			}
			return nil, declErr(t.goName, o.Name, fmt.Sprintf("declares a %s index on column %s of type %s, which has no default %s operator class in PostgreSQL", method, c.name, c.sqlType, method), fix)
		}
		idx.cols = append(idx.cols, indexColumn{name: c.name, desc: sort == "DESC"})
		names = append(names, c.name)
	}
	// A single-column btree index without a predicate duplicates the
	// automatic one of the primary key or a link, in either sort order:
	// PostgreSQL scans a btree index both ways.
	if len(idx.cols) == 1 && idx.where == "" && idx.using == "" {
		c := byName[idx.cols[0].name]
		order := ""
		if idx.cols[0].desc {
			order = " (sort:desc adds nothing: PostgreSQL reads a btree index in both directions)"
		}
		switch {
		case c == t.pk:
			return nil, declErr(t.goName, c.field.Name, "declares an index on the primary key, which is already indexed"+order, "remove the index tag")
		case c.link && (c.oneToOne || !idx.unique):
			return nil, declErr(t.goName, c.field.Name, "declares an index that duplicates the automatic index of link "+c.name+order, "remove the index tag: every link column is indexed (and unique for a one-to-one)")
		case c.link && idx.unique:
			return nil, declErr(t.goName, c.field.Name, "declares a unique index on link "+c.name+", which duplicates its automatic index",
				"make the link one-to-one instead (tag the field `customdata:\"one_to_one\"`) and remove the index tag")
		}
	}
	base := strings.Join(names, "_")
	if named[gi.Name] {
		base = gi.Name
		idx.declared = gi.Name
	}
	idx.name = indexName(t.name, base, idx.unique)
	return idx, nil
}

// userIndexNames returns the index names written in the model's gorm tags
// (index:NAME / uniqueIndex:NAME), to tell them from GORM's generated ones.
func userIndexNames(s *schema.Schema) map[string]bool {
	named := map[string]bool{}
	for _, f := range s.Fields {
		for _, part := range strings.Split(f.Tag.Get("gorm"), ";") {
			k, v, ok := strings.Cut(part, ":")
			k = strings.ToUpper(strings.TrimSpace(k))
			if !ok || (k != "INDEX" && k != "UNIQUEINDEX") {
				continue
			}
			name, _, _ := strings.Cut(v, ",")
			if name = strings.TrimSpace(name); name != "" {
				named[name] = true
			}
		}
	}
	return named
}

// indexName is <table>_<base>_idx (or _uniq), shortened with a digest to
// PostgreSQL's 63 bytes. Index names live in the namespace's schema, so the
// table name keeps two tables' indexes apart.
func indexName(table, base string, unique bool) string {
	suffix := "_idx"
	if unique {
		suffix = "_uniq"
	}
	full := table + "_" + base + suffix
	if len(full) <= maxIdentifier {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	digest := "_" + hex.EncodeToString(sum[:4])
	keep := maxIdentifier - len(digest) - len(suffix)
	head := full[:keep]
	for !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	return head + digest + suffix
}

// linkType is the column type of a link to target: the target column's
// type. An SDK model's sized text key (Patient and Staff's key,
// varchar(32)) keeps its size, as Django's to_field link would.
func linkType(target *schema.Field, sdk bool) (string, error) {
	t := target.FieldType
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if sdk && t.Kind() == reflect.String && target.Size > 0 {
		return fmt.Sprintf("varchar(%d)", target.Size), nil
	}
	return sqlType(target)
}

// sqlType maps a field's Go type to its column type.
func sqlType(f *schema.Field) (string, error) {
	t := f.FieldType
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case decimalType:
		p, s := f.Precision, f.Scale
		if p == 0 && s == 0 {
			p, s = DefaultPrecision, DefaultScale
		}
		if p < 1 || p > 1000 || s < 0 || s > p {
			return "", fmt.Errorf("has decimal precision %d and scale %d", p, s)
		}
		return fmt.Sprintf("numeric(%d,%d)", p, s), nil
	case dateType:
		return "date", nil
	case timeType:
		return "timestamptz", nil
	case rawJSONType:
		return "jsonb", nil
	case uuidType:
		return "uuid", nil
	}
	if ser, ok := f.TagSettings["SERIALIZER"]; ok {
		if strings.EqualFold(ser, "json") {
			return "jsonb", nil
		}
		return "", fmt.Errorf("uses serializer %q", ser)
	}
	if reflect.PointerTo(t).Implements(scannerType) || t.Implements(valuerType) {
		return "", fmt.Errorf("has type %s, which converts itself to SQL (driver.Valuer/sql.Scanner) to an unknown column type", t)
	}
	switch t.Kind() {
	case reflect.String:
		return "text", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int32:
		return "integer", nil
	case reflect.Int64, reflect.Int:
		return "bigint", nil
	case reflect.Float64:
		return "double precision", nil
	}
	return "", fmt.Errorf("has unsupported type %s", f.FieldType)
}

func typeFix(f *schema.Field) string { return typeFixFor(f.FieldType) }

func typeFixFor(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map, reflect.Struct, reflect.Array:
		return "to store it as JSON add `gorm:\"serializer:json\"`; supported types are string, int32, int64, int, float64, bool, decimal.Decimal, civil.Date, time.Time, uuid.UUID, json.RawMessage, JSON-serialized values and pointers to these"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "binary columns are not supported; for JSON use json.RawMessage"
		}
		return "to store it as JSON add `gorm:\"serializer:json\"`; a slice of custom models is a relation and needs a link on the other model"
	}
	return "supported types are string, int32, int64, int, float64, bool, decimal.Decimal, civil.Date, time.Time, uuid.UUID, json.RawMessage, JSON-serialized values (`gorm:\"serializer:json\"`) and pointers to these"
}

// parseIndexesMu serializes schema.ParseIndexes: it writes to the fields of
// the (shared, cached) schema, so two first uses of one model at once would
// race.
var parseIndexesMu sync.Mutex

func parseIndexes(s *schema.Schema) []*schema.Index {
	parseIndexesMu.Lock()
	defer parseIndexesMu.Unlock()
	return s.ParseIndexes()
}

// checkPredicate vets a partial index's where: predicate, the one piece of
// SQL text a model brings into the DDL that an install runs as the admin
// user. PostgreSQL allows only an immutable expression there; this refuses
// what could end it or hide text from a reader (statement separators,
// comments, dollar quoting, backslashes) and what could reach code outside
// pg_catalog (schema-qualified names, OPERATOR(...)): an "immutable"
// function a plugin created in its schema could call anything.
func checkPredicate(model, field, where string) error {
	for _, bad := range []string{";", "--", "/*", "*/", "$", "\\", "\x00"} {
		if strings.Contains(where, bad) {
			return declErr(model, field, fmt.Sprintf("declares an index predicate containing %q: %q", bad, where),
				"write the where: predicate as a plain boolean expression over the model's columns")
		}
	}
	// Outside its string literals, the predicate may name no schema: a
	// function, operator or type of a namespace's schema (which other
	// roles may create objects in) would run with the installer's rights
	// when PostgreSQL plans the CREATE INDEX. Unqualified names resolve in
	// the install's search_path, pg_catalog alone.
	code := stringLiteral.ReplaceAllString(where, "''")
	if strings.Count(code, "'")%2 != 0 {
		return declErr(model, field, fmt.Sprintf("declares an index predicate with an unterminated string: %q", where),
			"write the where: predicate as a plain boolean expression over the model's columns")
	}
	if m := qualifiedName.FindString(code); m != "" {
		return declErr(model, field, fmt.Sprintf("declares an index predicate that names a schema (%s): %q", strings.TrimSpace(m), where),
			"use the model's columns and PostgreSQL's built-in functions and operators, unqualified")
	}
	if operatorCall.MatchString(code) {
		return declErr(model, field, fmt.Sprintf("declares an index predicate with OPERATOR(...): %q", where),
			"use PostgreSQL's built-in operators, unqualified")
	}
	return nil
}

var (
	// stringLiteral is a standard SQL string literal ('' doubles a quote;
	// backslashes are refused before it is used).
	stringLiteral = regexp.MustCompile(`'(?:[^']|'')*'`)
	// qualifiedName is a name followed by a dot and another name: a
	// schema-qualified function, operator, type or table (a number such as
	// 1.5 does not match).
	qualifiedName = regexp.MustCompile(`(?i)(?:[a-z_\x80-\x{10FFFF}][a-z0-9_\x80-\x{10FFFF}]*|"(?:[^"]|"")*")\s*\.\s*(?:[a-z_"\x80-\x{10FFFF}])`)
	// operatorCall is PostgreSQL's OPERATOR(schema.op) syntax.
	operatorCall = regexp.MustCompile(`(?i)\boperator\s*\(`)
)
