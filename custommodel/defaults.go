package custommodel

import (
	"context"
	"fmt"
	"reflect"

	"gorm.io/gorm/schema"
)

// ORM-level defaults. A field may declare GORM's default tag
// (`gorm:"default:open"`, `gorm:"default:3"`, `gorm:"default:true"`): a row
// created with that field at its zero value (or nil, for a pointer) stores
// the default instead. The default is applied in Go, by GORM's Create and
// by GetOrCreate and UpdateOrCreate, never by the database: the column gets
// no DEFAULT clause (Canvas's tables have none), so rows written by other
// code (a Python plugin, raw SQL) get NULL as before. Because the zero
// value means "not set", a field with a default cannot store its zero value
// on create (a bool with default:true cannot be created false): declare it
// as a pointer to store an explicit zero.
//
// Defaults are accepted for strings, bools, integers, floats and
// time.Time, whose text GORM parses when the model is parsed. A default
// that is a SQL expression (now(), gen_random_uuid()), NULL, or on a type
// GORM cannot parse a default for (decimal.Decimal, civil.Date, uuid.UUID,
// JSON) is refused at registration: set the value in Go instead.

// checkDefault refuses a default tag that GORM would leave to the database.
func checkDefault(model string, f *schema.Field) error {
	v, ok := f.TagSettings["DEFAULT"]
	if !ok {
		return nil
	}
	if f.DefaultValueInterface != nil {
		if f.PrimaryKey {
			return declErr(model, f.Name, "is a key with a default", "remove default: (a key comes from the row it links to, or from the identity column)")
		}
		return nil
	}
	return declErr(model, f.Name, fmt.Sprintf("declares default %q, which would be left to the database (custom data columns have no DEFAULT)", v),
		"use a literal default on a string, bool, integer, float or time.Time field (default:open, default:3, default:true), or set the value in Go before writing")
}

// applyDefaults sets the zero fields of the row rv (a pointer to a struct)
// that have a default, as GORM's Create does.
func applyDefaults(ctx context.Context, s *schema.Schema, rv reflect.Value) error {
	for _, f := range s.Fields {
		if f.DefaultValueInterface == nil || f.DBName == "" {
			continue
		}
		if _, zero := f.ValueOf(ctx, rv); !zero {
			continue
		}
		if err := f.Set(ctx, rv, f.DefaultValueInterface); err != nil {
			return fmt.Errorf("custommodel: %s.%s: apply default %q: %w", s.Name, f.Name, f.DefaultValue, err)
		}
	}
	return nil
}
