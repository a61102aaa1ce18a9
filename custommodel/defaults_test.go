package custommodel_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// Models that break the delete-policy and default rules.
type BadConstraint struct {
	custommodel.CustomModel
	OrgID int64
	Org   *DelOrg `gorm:"foreignKey:OrgID;constraint:OnDelete:CASCADE"`
}

type BadPolicy struct {
	custommodel.CustomModel
	OrgID int64   `customdata:"on_delete:EXPLODE"`
	Org   *DelOrg `gorm:"foreignKey:OrgID"`
}

type BadSDKPolicy struct {
	custommodel.CustomModel
	NoteID int64          `customdata:"on_delete:CASCADE"`
	Note   *sdkmodel.Note `gorm:"foreignKey:NoteID;references:DBID"`
}

type BadSetNull struct {
	custommodel.CustomModel
	OrgID int64   `customdata:"on_delete:SET_NULL"`
	Org   *DelOrg `gorm:"foreignKey:OrgID"`
}

type BadPlainPolicy struct {
	custommodel.CustomModel
	Count int64 `customdata:"on_delete:CASCADE"`
}

type BadDefaultFunc struct {
	custommodel.CustomModel
	At time.Time `gorm:"default:now()"`
}

type BadDefaultNull struct {
	custommodel.CustomModel
	Label string `gorm:"default:null"`
}

// Ticket has ORM-level defaults.
type Ticket struct {
	custommodel.CustomModel
	Code     string `gorm:"uniqueIndex"`
	Status   string `gorm:"default:open"`
	Priority int32  `gorm:"default:3"`
	Urgent   *bool  `gorm:"default:true"`
	Weight   float64
	Amount   decimal.Decimal `gorm:"default:1.5"`
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	const ns = "acme__defaults_test"
	e := newEnv(t, ns, &Ticket{})
	var withDefault []string
	require.NoError(t, e.d.DB.Raw(`SELECT column_name FROM information_schema.columns
 WHERE table_schema = ? AND table_name = 'ticket' AND column_default IS NOT NULL`, ns).Scan(&withDefault).Error)
	assert.Empty(t, withDefault, "no column DEFAULT in the DDL")
	ctx := context.Background()
	no := false

	// GORM's Create applies them to zero fields, in Go.
	a := &Ticket{Code: "a"}
	require.NoError(t, e.db.Create(a).Error)
	assert.Equal(t, "open", a.Status)
	assert.Equal(t, int32(3), a.Priority)
	assert.Equal(t, "1.5", a.Amount.String())
	require.NotNil(t, a.Urgent)
	assert.True(t, *a.Urgent)
	b := &Ticket{Code: "b", Status: "closed", Priority: 1, Urgent: &no}
	require.NoError(t, e.db.Create(b).Error)

	// The SDK's GetOrCreate and UpdateOrCreate too.
	c, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"code": "c"}, &Ticket{})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "open", c.Status)
	assert.Equal(t, int32(3), c.Priority)
	d, created, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"code": "d"}, &Ticket{Status: "new"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "new", d.Status)
	assert.Equal(t, int32(3), d.Priority)

	// Stored as written: read back from the table.
	type stored struct {
		Code     string
		Status   *string
		Priority *int32
		Urgent   *bool
	}
	var rows []stored
	require.NoError(t, e.d.DB.Raw(`SELECT code, status, priority, urgent FROM acme__defaults_test.ticket ORDER BY code`).Scan(&rows).Error)
	require.GreaterOrEqual(t, len(rows), 4)
	assert.Equal(t, "open", *rows[0].Status)
	assert.Equal(t, "closed", *rows[1].Status)
	assert.False(t, *rows[1].Urgent, "an explicit false through a pointer is kept")
	assert.Equal(t, int32(3), *rows[2].Priority)

	// Other writers (raw SQL, a Python plugin) get NULL: the database has no default.
	require.NoError(t, e.d.DB.Exec(`INSERT INTO acme__defaults_test.ticket (code) VALUES ('raw')`).Error)
	var st *string
	require.NoError(t, e.d.DB.Raw(`SELECT status FROM acme__defaults_test.ticket WHERE code = 'raw'`).Scan(&st).Error)
	assert.Nil(t, st)
}
