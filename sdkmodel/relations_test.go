package sdkmodel_test

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/schema"

	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// GORM reads every relation field the way it is meant: a pointer whose
// foreign key is the struct's own column is a belongs-to, the others (the
// reverse sides) has-one or has-many over the other model's column, and the
// slices with a join table many-to-many.
func TestRelationsParseAsDeclared(t *testing.T) {
	t.Parallel()
	cache := &sync.Map{}
	kinds := map[schema.RelationshipType]int{}
	for _, m := range sdkmodel.Models() {
		s, err := schema.Parse(m, cache, schema.NamingStrategy{})
		require.NoError(t, err)
		for name, rel := range s.Relationships.Relations {
			if strings.HasPrefix(name, "_") {
				continue // GORM's own index of the reverse side
			}
			f, ok := s.ModelType.FieldByName(name)
			require.True(t, ok, "%s.%s", s.Name, name)
			tag := schema.ParseTagSetting(f.Tag.Get("gorm"), ";")
			ref := rel.References[0]
			switch {
			case tag["MANY2MANY"] != "":
				require.Len(t, rel.References, 2, "%s.%s", s.Name, name)
				assert.Equal(t, schema.Many2Many, rel.Type, "%s.%s", s.Name, name)
				assert.True(t, strings.HasPrefix(rel.JoinTable.Table, "public."), rel.JoinTable.Table)
			case f.Type.Kind() == reflect.Slice:
				require.Len(t, rel.References, 1, "%s.%s", s.Name, name)
				assert.Equal(t, schema.HasMany, rel.Type, "%s.%s", s.Name, name)
				assert.Equal(t, tag["FOREIGNKEY"], ref.ForeignKey.Name)
				assert.True(t, rel.FieldSchema == ref.ForeignKey.Schema, "%s.%s", s.Name, name)
			default:
				require.Len(t, rel.References, 1, "%s.%s", s.Name, name)
				_, own := s.FieldsByName[tag["FOREIGNKEY"]]
				_, theirs := rel.FieldSchema.FieldsByName[tag["FOREIGNKEY"]]
				if own && (!theirs || rel.FieldSchema == s) { // a link of this model
					assert.Equal(t, schema.BelongsTo, rel.Type, "%s.%s", s.Name, name)
					assert.True(t, s == ref.ForeignKey.Schema, "%s.%s", s.Name, name)
				} else {
					assert.Equal(t, schema.HasOne, rel.Type, "%s.%s", s.Name, name)
					assert.True(t, rel.FieldSchema == ref.ForeignKey.Schema, "%s.%s", s.Name, name)
				}
			}
			kinds[rel.Type]++
		}
	}
	t.Log(kinds)
	assert.Positive(t, kinds[schema.BelongsTo])
	assert.Positive(t, kinds[schema.HasMany])
	assert.Positive(t, kinds[schema.HasOne])
	assert.Positive(t, kinds[schema.Many2Many])
}
