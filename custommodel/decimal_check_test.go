package custommodel_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

// Ledger has a decimal of the default numeric(20,10), a sized one and an
// optional one.
type Ledger struct {
	custommodel.CustomModel
	Code    string `gorm:"uniqueIndex"`
	Amount  decimal.Decimal
	Price   decimal.Decimal `gorm:"precision:12;scale:2"`
	Maybe   *decimal.Decimal
	Comment string
}

// TestDecimalRoundingRefusedOnEveryWritePath is hole 8 of the isolation
// review: a non-lookup decimal that its numeric(p,s) column would round
// (or could not hold) is refused before anything is written, on every
// write path the SDK controls, instead of being stored rounded.
func TestDecimalRoundingRefusedOnEveryWritePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "acme__decimals", &Ledger{})
	ctx := t.Context()
	tooFine := decimal.RequireFromString("1.123456789012345") // 15 places into numeric(20,10)
	tooBig := decimal.RequireFromString("12345678901")        // 11 digits into numeric(12,2)
	fine := decimal.RequireFromString("1.1234567890")

	// The row the updates aim at, written with values that fit.
	existing := &Ledger{Code: "kept", Amount: fine, Price: decimal.RequireFromString("9.99")}
	require.NoError(t, e.db.WithContext(ctx).Create(existing).Error)

	type want struct {
		field, column, typ string
		tooLarge           bool
	}
	amount := want{"Amount", "amount", "numeric(20,10)", false}
	cases := []struct {
		name  string
		write func(db *gorm.DB) error
		want  want
	}{
		{"GetOrCreate defaults", func(db *gorm.DB) error {
			_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"code": "new"}, &Ledger{Amount: tooFine})
			return err
		}, amount},
		{"GetOrCreate defaults, pointer", func(db *gorm.DB) error {
			_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"code": "new"}, &Ledger{Maybe: &tooFine})
			return err
		}, want{"Maybe", "maybe", "numeric(20,10)", false}},
		{"GetOrCreate defaults, too large", func(db *gorm.DB) error {
			_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"code": "new"}, &Ledger{Price: tooBig})
			return err
		}, want{"Price", "price", "numeric(12,2)", true}},
		{"UpdateOrCreate values, update", func(db *gorm.DB) error {
			_, _, err := custommodel.UpdateOrCreate(ctx, db, custommodel.Lookup{"code": "kept"}, &Ledger{Amount: tooFine})
			return err
		}, amount},
		{"UpdateOrCreate values, create", func(db *gorm.DB) error {
			_, _, err := custommodel.UpdateOrCreate(ctx, db, custommodel.Lookup{"code": "new"}, &Ledger{Amount: tooFine}, "amount")
			return err
		}, amount},
		{"Create", func(db *gorm.DB) error {
			return db.Create(&Ledger{Code: "new", Amount: tooFine}).Error
		}, amount},
		{"Create slice", func(db *gorm.DB) error {
			return db.Create(&[]Ledger{{Code: "new"}, {Code: "new2", Amount: tooFine}}).Error
		}, amount},
		{"CreateInBatches", func(db *gorm.DB) error {
			return db.CreateInBatches([]Ledger{{Code: "new"}, {Code: "new2", Amount: tooFine}}, 1).Error
		}, amount},
		{"Save", func(db *gorm.DB) error {
			row := *existing
			row.Amount = tooFine
			return db.Save(&row).Error
		}, amount},
		{"Updates struct", func(db *gorm.DB) error {
			return db.Model(&Ledger{}).Where("code = ?", "kept").Updates(Ledger{Amount: tooFine}).Error
		}, amount},
		{"Updates map, decimal", func(db *gorm.DB) error {
			return db.Model(&Ledger{}).Where("code = ?", "kept").Updates(map[string]any{"amount": tooFine}).Error
		}, amount},
		{"Updates map, float by field name", func(db *gorm.DB) error {
			return db.Model(&Ledger{}).Where("code = ?", "kept").Updates(map[string]any{"Amount": 1.123456789012345}).Error
		}, amount},
		{"Update column, string", func(db *gorm.DB) error {
			return db.Model(&Ledger{}).Where("code = ?", "kept").Update("price", "19.999").Error
		}, want{"Price", "price", "numeric(12,2)", false}},
		{"Update column, too large integer", func(db *gorm.DB) error {
			return db.Model(&Ledger{}).Where("code = ?", "kept").Update("price", 12345678901).Error
		}, want{"Price", "price", "numeric(12,2)", true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.write(e.db.WithContext(ctx))
			require.ErrorIs(t, err, custommodel.ErrDecimalDoesNotFit)
			var de *custommodel.DecimalError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, c.want.field, de.Field)
			assert.Equal(t, c.want.tooLarge, de.TooLarge)
			msg := err.Error()
			assert.Contains(t, msg, `column "`+c.want.column+`" `+c.want.typ)
			if c.want.tooLarge {
				assert.Contains(t, msg, "digits before the decimal point")
			} else {
				assert.Contains(t, msg, "would be stored rounded to")
				assert.Contains(t, msg, "round it first")
			}
		})
	}

	// Nothing was written: one row, as it was.
	assert.EqualValues(t, 1, e.count(t, "ledger"))
	var got Ledger
	require.NoError(t, e.db.WithContext(ctx).First(&got, "code = ?", "kept").Error)
	assert.True(t, fine.Equal(got.Amount), "amount %s", got.Amount)
	assert.True(t, decimal.RequireFromString("9.99").Equal(got.Price), "price %s", got.Price)
}

// TestDecimalsThatFitAreWritten keeps the check from refusing what fits:
// values at the column's scale and size, trailing zeros beyond the scale,
// and negative values.
func TestDecimalsThatFitAreWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "acme__decimalsfit", &Ledger{})
	ctx := context.Background()
	for i, v := range []string{"1.1234567890", "9999999999.9999999999", "-9999999999.9999999999", "1.10000000000000000000", "0"} {
		d := decimal.RequireFromString(v)
		row, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"code": v}, &Ledger{Amount: d, Price: decimal.RequireFromString("9999999999.99")})
		require.NoError(t, err, "value %s (#%d)", v, i)
		assert.True(t, created)
		assert.True(t, d.Equal(row.Amount), "%s came back as %s", v, row.Amount)
	}
	require.NoError(t, e.db.Model(&Ledger{}).Where("code = ?", "0").Updates(map[string]any{"amount": 2.5, "price": "3.10"}).Error)
}
