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

// CountSQL returns the statement Count runs, for EXPLAIN.
func CountSQL(db *gorm.DB, q Query) (string, []any, error) {
	t, err := tablesOf(db)
	if err != nil {
		return "", nil, err
	}
	s, args := q.countSQL(t)
	return s, args, nil
}

// PageSQL returns the statement Page runs, for EXPLAIN.
func PageSQL(db *gorm.DB, q Query) (string, []any, error) {
	t, err := tablesOf(db)
	if err != nil {
		return "", nil, err
	}
	return q.pageSQL(t)
}
