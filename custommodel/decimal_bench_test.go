package custommodel_test

import (
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// BenchmarkCreateInBatchesChecks measures what the write callbacks
// (Canvas's limits, and the decimal check, which looks at every later
// batch of a CreateInBatches call) cost on a bulk insert of rows with
// decimals: the same CreateInBatches through a DB with the callbacks and
// through one without, in the same run. The dry_run pair builds the
// statements without sending them, so that the callbacks' own cost is not
// lost in the database's.
func BenchmarkCreateInBatchesChecks(b *testing.B) {
	const ns = "acme__bench_dec"
	d := testdb.New(b)
	checked := d.Scoped(b, ns)
	stmts, err := custommodel.DDL(ns, &Ledger{})
	require.NoError(b, err)
	for _, s := range stmts {
		require.NoError(b, d.DB.Exec(s).Error)
	}
	require.NoError(b, custommodel.RegisterCallbacks(checked))
	sqlDB, err := d.DB.DB()
	require.NoError(b, err)
	unchecked, err := scope.Open(sqlDB, ns, scope.Options{})
	require.NoError(b, err)

	const rows, batch = 2000, 50
	n := 0
	newRows := func() []Ledger {
		ls := make([]Ledger, rows)
		for i := range ls {
			n++
			ls[i] = Ledger{Code: "r" + strconv.Itoa(n), Amount: decimal.New(int64(n), -4), Price: decimal.New(int64(n), -2)}
		}
		return ls
	}
	dryChecked := checked.Session(&gorm.Session{DryRun: true})
	dryUnchecked := unchecked.Session(&gorm.Session{DryRun: true})
	b.Run("dry_run/with_callbacks", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, dryChecked.CreateInBatches(newRows(), batch).Error)
		}
	})
	b.Run("dry_run/without_callbacks", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, dryUnchecked.CreateInBatches(newRows(), batch).Error)
		}
	})
	b.Run("with_callbacks", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, checked.CreateInBatches(newRows(), batch).Error)
		}
	})
	b.Run("without_callbacks", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, unchecked.CreateInBatches(newRows(), batch).Error)
		}
	})
}
