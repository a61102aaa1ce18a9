package customdatatest_test

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/customdatatest"
)

// A test in a plugin's _test.go file gets its own database.
func ExampleNew() {
	testSomething := func(t *testing.T) {
		t.Parallel()
		db := customdatatest.New(t)
		if err := db.DB.Exec("CREATE TABLE note_tag (tagged_by text)").Error; err != nil {
			t.Fatal(err)
		}
	}
	_ = testSomething
}

// A template built once and copied for every test.
func ExampleNewWithConfig() {
	seeded := customdatatest.Config{
		TemplateVersion: "seeded-v1",
		TemplateInit: func(ctx context.Context, db *gorm.DB) error {
			return db.WithContext(ctx).Exec("CREATE TABLE color (name text); INSERT INTO color VALUES ('red'), ('green')").Error
		},
	}
	testColors := func(t *testing.T) {
		db := customdatatest.NewWithConfig(t, seeded)
		var n int64
		db.DB.Table("color").Count(&n) // 2 in every test
	}
	_ = testColors
}

// TestMain stops the throwaway cluster when the tests end.
func ExampleMain() {
	var testMain func(m *testing.M) = customdatatest.Main
	// In a _test.go file: func TestMain(m *testing.M) { customdatatest.Main(m) }
	_ = testMain
}

// Outside of a test, Create and Drop manage a database by hand.
func ExampleCreate() {
	ctx := context.Background()
	db, err := customdatatest.Create(ctx, customdatatest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Drop(ctx)
	var answer int
	db.DB.Raw("SELECT 6 * 7").Scan(&answer)
	fmt.Println(answer)
	// Output: 42
}
