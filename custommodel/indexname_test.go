package custommodel_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/civil"
	"github.com/canvas-sdk-go/customdata/custommodel"
)

// The models of canvas-plugins' room/booking example, as a Python plugin
// declares them:
//
//	class Room(CustomModel):
//	    name = models.CharField(max_length=100)
//	    features = models.JSONField(null=True)
//	    class Meta:
//	        constraints = [models.UniqueConstraint(fields=["name"], name="room_name_uniq")]
//	        indexes = [GinIndex(fields=["features"], name="room_features_gin")]
//	class Booking(CustomModel):
//	    room = models.ForeignKey(Room, to_field="dbid", ...)
//	    ...
//	    class Meta:
//	        constraints = [models.UniqueConstraint(fields=["room", "slot"], name="booking_room_slot")]
//	        indexes = [models.Index(fields=["-slot"], name="booking_slot_desc"),
//	                   models.Index(fields=["status"], name="booking_confirmed", condition=Q(status="confirmed"))]
//	class RoomProfile(CustomModel):
//	    room = models.OneToOneField(Room, to_field="dbid", ...)
type ixRoom struct {
	custommodel.CustomModel
	Name     string          `gorm:"uniqueIndex:room_name_uniq"`
	Features json.RawMessage `gorm:"index:room_features_gin,type:gin"`
	Rate     *decimal.Decimal
	Opened   *civil.Date
}

type ixBooking struct {
	custommodel.CustomModel
	IxRoomID int64      `gorm:"uniqueIndex:booking_room_slot,priority:1"`
	IxRoom   *ixRoom    `gorm:"foreignKey:IxRoomID;references:DBID"`
	Slot     *time.Time `gorm:"uniqueIndex:booking_room_slot,priority:2;index:booking_slot_desc,sort:desc"`
	Status   *string    `gorm:"index:booking_confirmed,where:status = 'confirmed'"`
	Note     *string    `gorm:"index"`
}

type ixProfile struct {
	custommodel.CustomModel
	IxRoomID int64   `customdata:"one_to_one"`
	IxRoom   *ixRoom `gorm:"foreignKey:IxRoomID;references:DBID"`
}

var createIndexName = regexp.MustCompile(`INDEX IF NOT EXISTS "([^"]+)" ON "[^"]+"\."([^"]+)"`)

// indexNames returns table -> index names of DDL's statements.
func indexNames(t *testing.T, stmts []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, s := range stmts {
		if m := createIndexName.FindStringSubmatch(s); m != nil {
			out[m[2]] = append(out[m[2]], m[1])
		}
	}
	return out
}

// TestIndexNamesAreCanvasNames: every index gets the name Canvas's Python
// DDL gives the same declaration, so CREATE INDEX IF NOT EXISTS by either
// SDK finds the other's. The expected names are those canvas-plugins
// v0.203.0 creates (Django's generated FK index name included: the hash
// part is MD5 of table, columns and suffix).
func TestIndexNamesAreCanvasNames(t *testing.T) {
	t.Parallel()
	stmts, err := custommodel.DDL("acme__rooms", &ixRoom{}, &ixBooking{}, &ixProfile{})
	require.NoError(t, err)
	got := indexNames(t, stmts)
	assert.ElementsMatch(t, []string{"acme__rooms_ixroom_room_name_uniq", "acme__rooms_ixroom_room_features_gin"}, got["ixroom"])
	assert.ElementsMatch(t, []string{
		"acme__rooms_ixbooking_" + djangoName("ixbooking", "ix_room_id", "idx"),
		"acme__rooms_ixbooking_booking_room_slot",
		"acme__rooms_ixbooking_booking_slot_desc",
		"acme__rooms_ixbooking_booking_confirmed",
		"acme__rooms_ixbooking_" + djangoName("ixbooking", "note", "idx"),
	}, got["ixbooking"])
	assert.ElementsMatch(t, []string{"acme__rooms_ixprofile_uq_ixprofile_ix_room_id"}, got["ixprofile"])
}

// djangoName spells out one known value of Django's generated name, then
// leaves the others to the same rule.
func djangoName(table, col, suffix string) string {
	known := map[string]string{
		"ixbooking/ix_room_id": "ixbooking_ix_room_e2dd1d_idx",
		"ixbooking/note":       "ixbooking_note_a9fe7f_idx",
	}
	return known[table+"/"+col]
}

// TestDjangoGeneratedIndexName checks the FK index name of the interop
// check's Booking (room_id) against what Django 4.2 and 5.1 generate.
func TestDjangoGeneratedIndexName(t *testing.T) {
	t.Parallel()
	type booking struct {
		custommodel.CustomModel
		RoomID int64   `gorm:""`
		Room   *ixRoom `gorm:"foreignKey:RoomID;references:DBID"`
	}
	type Roomprofile struct {
		custommodel.CustomModel
		RoomID int64   `customdata:"one_to_one"`
		Room   *ixRoom `gorm:"foreignKey:RoomID;references:DBID"`
	}
	stmts, err := custommodel.DDL("interop__canvas_ref", &booking{}, &Roomprofile{})
	require.NoError(t, err)
	joined := strings.Join(stmts, "\n")
	assert.Contains(t, joined, `"interop__canvas_ref_booking_booking_room_id_cce905_idx"`)
	assert.Contains(t, joined, `"interop__canvas_ref_roomprofile_uq_roomprofile_room_id"`)
}

// TestLongCanvasIndexNamesAreCutAndNeverCollide: names beyond 63 bytes are
// cut where PostgreSQL cuts Canvas's unquoted ones, unless two indexes
// would then share a name (Canvas's runner would silently create only the
// first): those get distinct hashed names, and the DDL keeps both.
func TestLongCanvasIndexNamesAreCutAndNeverCollide(t *testing.T) {
	t.Parallel()
	type Widget struct {
		custommodel.CustomModel
		Alpha *string `gorm:"index:alpha_index_with_a_long_name_one"`
		Beta  *string `gorm:"index:alpha_index_with_a_long_name_two"`
		Gamma *string `gorm:"index:g"`
	}
	ns := "acme_org_with_a_long_name__shared_widgets"
	stmts, err := custommodel.DDL(ns, &Widget{})
	require.NoError(t, err)
	var got []string
	for _, names := range indexNames(t, stmts) {
		for _, n := range names {
			assert.LessOrEqual(t, len(n), 63)
			got = append(got, n)
		}
	}
	require.Len(t, got, 3)
	assert.Contains(t, got, ns+"_widget_g", "a name that fits is Canvas's")
	var hashed []string
	for _, n := range got {
		if strings.HasPrefix(n, ns+"_widget_alpha") {
			hashed = append(hashed, n)
		}
	}
	require.Len(t, hashed, 2, "both long names are kept: %q", got)
	assert.NotEqual(t, hashed[0], hashed[1])
	again, err := custommodel.DDL(ns, &Widget{})
	require.NoError(t, err)
	assert.Equal(t, stmts, again, "names are deterministic")
}

// TestIndexRenamesPairsOldAndNewNames: IndexRenames says which name each
// index had before Canvas's names, for installs into namespaces made then.
func TestIndexRenamesPairsOldAndNewNames(t *testing.T) {
	t.Parallel()
	renames, err := custommodel.IndexRenames("acme__rooms", &ixRoom{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []custommodel.IndexRename{
		{Table: "ixroom", Old: "ixroom_room_name_uniq_uniq", New: "acme__rooms_ixroom_room_name_uniq"},
		{Table: "ixroom", Old: "ixroom_room_features_gin_idx", New: "acme__rooms_ixroom_room_features_gin"},
	}, renames)
	_, err = custommodel.IndexRenames("not a namespace", &ixRoom{})
	assert.ErrorIs(t, err, custommodel.ErrDeclaration)
}
