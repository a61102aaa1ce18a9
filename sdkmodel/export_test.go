package sdkmodel

import (
	"context"

	"gorm.io/gorm"
)

// SeedTable inserts one row into table the way Seed fills a parent (its
// nullable columns NULL, or, with full, given values too), and returns
// its primary key.
func SeedTable(ctx context.Context, db *gorm.DB, table string, full bool) (any, error) {
	db = db.WithContext(ctx)
	t := fixtureByName[table]
	given := map[string]any{}
	if full {
		for _, c := range t.columns {
			if c.null {
				v, ok, err := fill(ctx, db, c, 0)
				if err != nil {
					return nil, err
				}
				if ok {
					given[c.name] = v
				}
			}
		}
	}
	q, args, err := insertRow(ctx, db, t, given, 0)
	if err != nil {
		return nil, err
	}
	var key any
	err = db.Raw(q+" RETURNING "+t.pk, args...).Row().Scan(&key)
	return key, err
}
