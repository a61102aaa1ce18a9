package custommodel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// BenchmarkCreateLinked measures what a delete policy costs a GORM Create:
// a row whose link has a policy (the write locks the linked row, in a
// transaction of its own) beside the baseline, a row whose link has none
// (one INSERT).
func BenchmarkCreateLinked(b *testing.B) {
	d := testdb.New(b)
	db := d.Scoped(b, delNS)
	require.NoError(b, custommodel.RegisterCallbacks(db))
	stmts, err := custommodel.DDL(delNS, delModels...)
	require.NoError(b, err)
	for _, s := range stmts {
		require.NoError(b, d.DB.Exec(s).Error)
	}
	org := &DelOrg{Name: "o"}
	require.NoError(b, db.Create(org).Error)
	team := &DelTeam{OrgID: org.DBID}
	require.NoError(b, db.Create(team).Error)
	ctx := context.Background()
	b.Run("policy link (CASCADE)", func(b *testing.B) {
		for b.Loop() {
			if err := db.WithContext(ctx).Create(&DelMember{TeamID: team.DBID}).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no policy (baseline)", func(b *testing.B) {
		for b.Loop() {
			if err := db.WithContext(ctx).Create(&DelNoteLog{NoteID: 1}).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
}
