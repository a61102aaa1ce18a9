package custommodel_test

import (
	"context"
	"errors"
	"log"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

// A decimal with more places than its column's scale is refused before
// anything is written, instead of being stored rounded: round it (or give
// the field a larger scale) and write again.
func ExampleDecimalError() {
	var (
		ctx = context.Background()
		db  *gorm.DB // namespace handle's DB(ctx)
	)
	amount := decimal.RequireFromString("1.123456789012345") // Ledger.Amount is numeric(20,10)
	_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"code": "a"}, &Ledger{Amount: amount})
	var de *custommodel.DecimalError
	if errors.As(err, &de) && !de.TooLarge {
		_, _, err = custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"code": "a"}, &Ledger{Amount: amount.Round(int32(de.Scale))})
	}
	if err != nil {
		log.Fatal(err)
	}
}

// The install runs CheckExisting in its transaction before the models'
// DDL; another program that creates tables for models can do the same.
func ExampleCheckExisting() {
	var (
		ctx = context.Background()
		tx  *gorm.DB // an admin transaction that holds the namespace's install lock
	)
	if err := custommodel.CheckExisting(ctx, tx, "acme__ledger", &Ledger{}); err != nil {
		log.Fatal(err) // e.g. model Ledger, field Amount: ... already has that column as numeric(12,2) ...
	}
	stmts, err := custommodel.DDL("acme__ledger", &Ledger{})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			log.Fatal(err)
		}
	}
}
