package testdb

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
)

// Scoped creates the schema namespace with its system tables in d and returns
// a *gorm.DB bound to it (scope.Open) that connects as the admin user. It is
// for tests of packages that work on a namespace-scoped DB without the
// namespace package's keys and roles.
func (d *Database) Scoped(t testing.TB, namespace string) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	stmts := append([]string{"CREATE SCHEMA IF NOT EXISTS " + sqlident.Quote(namespace)}, systables.DDL(namespace)...)
	for _, s := range stmts {
		if err := d.DB.WithContext(ctx).Exec(s).Error; err != nil {
			t.Fatalf("testdb: create namespace %q: %v", namespace, err)
		}
	}
	sqlDB, err := d.DB.DB()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	db, err := scope.Open(sqlDB, namespace, scope.Options{})
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return db
}
