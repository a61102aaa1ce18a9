package custommodel

import (
	"reflect"
	"strconv"
	"strings"

	"gorm.io/gorm/schema"
)

// precheckModel returns the field type errors of model t that can be found
// without GORM's parser. When some field has a type the parser cannot take
// (precheckFields), the model is not parsed at all, so the column types the
// declaration rules would refuse after parsing (int16, uint, float32, ...)
// are reported here with them: DDL then reports every unsupported field of
// the model at once, not only the first kind it meets.
func precheckModel(t reflect.Type) []error {
	errs := precheckFields(t, map[reflect.Type]bool{})
	if len(errs) == 0 {
		return nil
	}
	return append(errs, scalarTypeErrors(t, map[reflect.Type]bool{})...)
}

// scalarTypeErrors finds, in model t and the models its relations reach,
// the fields that precheckFields lets through (scalars and types that
// convert themselves) whose Go type has no column type, with the message
// the declaration rules give them after parsing. Foreign keys of relations
// are left out: a link's column takes its target's key type.
func scalarTypeErrors(t reflect.Type, seen map[reflect.Type]bool) []error {
	foreignKeys := map[reflect.Type]map[string]bool{}
	return walkModelFields(t, seen, func(model reflect.Type, sf reflect.StructField, ft reflect.Type, tags map[string]string) (reflect.Type, error) {
		if elem := relationElem(sf.Type); elem != nil {
			if classify(elem) != kindSDK {
				return elem, nil
			}
			return nil, nil
		}
		fks, ok := foreignKeys[model]
		if !ok {
			fks = foreignKeyFields(model)
			foreignKeys[model] = fks
		}
		if fks[sf.Name] || !storedValueType(ft) {
			return nil, nil // a link, or a type precheckFields reports
		}
		f := &schema.Field{Name: sf.Name, FieldType: sf.Type, TagSettings: tags}
		f.Precision, _ = strconv.Atoi(tags["PRECISION"])
		f.Scale, _ = strconv.Atoi(tags["SCALE"])
		if _, err := sqlType(f); err != nil {
			return nil, &DeclarationError{Model: model.Name(), Field: sf.Name, Problem: err.Error(), Fix: typeFix(f), Kind: ErrUnsupportedType}
		}
		return nil, nil
	})
}

// foreignKeyFields returns the names of the fields of model t that may hold
// a relation's foreign key: those named in a foreignKey or references tag,
// and <Relation>ID, <Relation>Id and <Relation>DBID for each relation field.
func foreignKeyFields(t reflect.Type) map[string]bool {
	foreignKeys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tags := schema.ParseTagSetting(sf.Tag.Get("gorm"), ";")
		for _, key := range []string{"FOREIGNKEY", "REFERENCES"} {
			for _, name := range strings.Split(tags[key], ",") {
				foreignKeys[strings.TrimSpace(name)] = true
			}
		}
		if elem := relationElem(sf.Type); elem != nil {
			for _, suffix := range []string{"ID", "Id", "DBID"} {
				foreignKeys[sf.Name+suffix] = true
			}
		}
	}
	return foreignKeys
}

// walkModelFields walks the stored fields of model t and of the models they
// reach, each model once (seen holds the models already walked). It skips
// unexported fields and those tagged gorm:"-" or with a serializer, and
// walks an embedded struct (anonymous or tagged embedded) in place when it
// is a plain struct or CustomModel. visit is called with every other field,
// the model it is in, its type without pointers and its gorm tag settings;
// it returns the model the field relates to, to be walked next (nil for
// none), and the field's error, if any. walkModelFields returns the errors
// in field order.
func walkModelFields(t reflect.Type, seen map[reflect.Type]bool,
	visit func(model reflect.Type, sf reflect.StructField, ft reflect.Type, tags map[string]string) (reflect.Type, error)) []error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	var errs []error
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tags := schema.ParseTagSetting(sf.Tag.Get("gorm"), ";")
		if _, ok := tags["-"]; ok {
			continue
		}
		if _, ok := tags["SERIALIZER"]; ok {
			continue
		}
		ft := sf.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if _, ok := tags["EMBEDDED"]; (sf.Anonymous || ok) && ft.Kind() == reflect.Struct {
			if classify(ft) == kindOther || ft == customModelType {
				errs = append(errs, walkModelFields(ft, seen, visit)...)
			}
			continue
		}
		next, err := visit(t, sf, ft, tags)
		if err != nil {
			errs = append(errs, err)
		}
		if next != nil {
			errs = append(errs, walkModelFields(next, seen, visit)...)
		}
	}
	return errs
}

// relationElem returns the model a relation field points to (a struct
// that is a custom model, an SDK model or an extension, possibly behind
// pointers or in a slice), or nil.
func relationElem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || classify(t) == kindOther {
		return nil
	}
	return t
}
