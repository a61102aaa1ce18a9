package sdkmodel

import (
	"context"

	"gorm.io/gorm"
)

// SeedTable inserts one row into table the way Seed fills a parent, and
// returns its primary key.
func SeedTable(ctx context.Context, db *gorm.DB, table string) (any, error) {
	t := fixtureByName[table]
	q, args, err := insertRow(ctx, db.WithContext(ctx), t, nil, 0)
	if err != nil {
		return nil, err
	}
	var key any
	err = db.WithContext(ctx).Raw(q+" RETURNING "+t.pk, args...).Row().Scan(&key)
	return key, err
}
