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
	if seen[t] {
		return nil
	}
	seen[t] = true
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
				errs = append(errs, scalarTypeErrors(ft, seen)...)
			}
			continue
		}
		if elem := relationElem(sf.Type); elem != nil {
			if classify(elem) != kindSDK {
				errs = append(errs, scalarTypeErrors(elem, seen)...)
			}
			continue
		}
		if foreignKeys[sf.Name] || !storedValueType(ft) {
			continue // a link, or a type precheckFields reports
		}
		f := &schema.Field{Name: sf.Name, FieldType: sf.Type, TagSettings: tags}
		f.Precision, _ = strconv.Atoi(tags["PRECISION"])
		f.Scale, _ = strconv.Atoi(tags["SCALE"])
		if _, err := sqlType(f); err != nil {
			errs = append(errs, &DeclarationError{Model: t.Name(), Field: sf.Name, Problem: err.Error(), Fix: typeFix(f), Kind: ErrUnsupportedType})
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
