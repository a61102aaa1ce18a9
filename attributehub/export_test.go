package attributehub

import "gorm.io/gorm"

// FindAttributesSQL returns the statement FindAttributes runs, for EXPLAIN.
func FindAttributesSQL(db *gorm.DB, f Filter, types ...string) (string, []any, error) {
	t, err := tablesOf(db)
	if err != nil {
		return "", nil, err
	}
	q, args := attributesSQL(t, f, types)
	return q, args, nil
}
