package roombooking

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/customdatatest"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

func TestMain(m *testing.M) { customdatatest.Main(m) }

// world is the booking plugin installed in a fresh database, with a few
// platform records.
type world struct {
	p                 *customdatatest.Installed
	ada, grace        *sdkmodel.Staff
	alice, bob        *sdkmodel.Patient
	roomA, roomB      *Room
	nine, ten, eleven time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{p: customdatatest.InstallManifest(t, ".", Models()...)}
	platform := w.p.Manager.DB()
	var err error
	w.ada, err = sdkmodel.SeedStaff(ctx, platform, sdkmodel.Staff{FirstName: "Ada", LastName: "Lovelace"})
	require.NoError(t, err)
	w.grace, err = sdkmodel.SeedStaff(ctx, platform, sdkmodel.Staff{FirstName: "Grace", LastName: "Hopper"})
	require.NoError(t, err)
	w.alice, err = sdkmodel.SeedPatient(ctx, platform, sdkmodel.Patient{FirstName: "Alice"})
	require.NoError(t, err)
	w.bob, err = sdkmodel.SeedPatient(ctx, platform, sdkmodel.Patient{FirstName: "Bob"})
	require.NoError(t, err)
	db := w.p.Handle.DB(ctx)
	w.roomA, w.roomB = &Room{Name: "A", Capacity: 2}, &Room{Name: "B", Capacity: 6}
	require.NoError(t, db.Create(w.roomA).Error)
	require.NoError(t, db.Create(w.roomB).Error)
	w.nine = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	w.ten, w.eleven = w.nine.Add(time.Hour), w.nine.Add(2*time.Hour)
	return w
}

func TestBookingRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	db := w.p.Handle.DB(ctx)

	_, err := Book(ctx, db, w.roomA.DBID, w.ada.DBID, w.alice.DBID, w.nine)
	require.ErrorIs(t, err, ErrNotBookable, "staff must be marked bookable first")

	_, created, err := MakeBookable(ctx, db, w.ada.DBID, "cardiology")
	require.NoError(t, err)
	assert.True(t, created)
	b, created, err := MakeBookable(ctx, db, w.ada.DBID, "ignored")
	require.NoError(t, err)
	assert.False(t, created, "one BookableStaff per staff member")
	assert.Equal(t, "cardiology", b.Specialty)

	_, err = Book(ctx, db, w.roomA.DBID, w.ada.DBID, w.alice.DBID, w.nine)
	require.NoError(t, err)
	_, err = Book(ctx, db, w.roomA.DBID, w.ada.DBID, w.bob.DBID, w.nine)
	require.ErrorIs(t, err, ErrSlotTaken, "(room, slot) is unique")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "23505", pgErr.Code)
	_, err = Book(ctx, db, w.roomB.DBID, w.ada.DBID, w.bob.DBID, w.nine)
	assert.NoError(t, err, "another room at the same slot is free")
}

func TestStaffScheduleAndRooms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	db := w.p.Handle.DB(ctx)
	for _, s := range []*sdkmodel.Staff{w.ada, w.grace} {
		_, _, err := MakeBookable(ctx, db, s.DBID, "general")
		require.NoError(t, err)
	}
	for _, b := range []struct {
		room    *Room
		staff   *sdkmodel.Staff
		patient *sdkmodel.Patient
		slot    time.Time
	}{
		{w.roomB, w.ada, w.bob, w.eleven},
		{w.roomA, w.ada, w.alice, w.nine},
		{w.roomA, w.grace, w.bob, w.ten},
	} {
		_, err := Book(ctx, db, b.room.DBID, b.staff.DBID, b.patient.DBID, b.slot)
		require.NoError(t, err)
	}

	s, err := StaffSchedule(ctx, db, w.ada.DBID)
	require.NoError(t, err)
	assert.Equal(t, "Ada", s.FirstName)
	require.NotNil(t, s.Bookable, "the one-to-one link is preloaded")
	assert.Equal(t, "general", s.Bookable.Specialty)
	require.Len(t, s.Bookings, 2)
	got := []string{}
	for _, b := range s.Bookings {
		require.NotNil(t, b.Room, "rooms are preloaded")
		require.NotNil(t, b.Patient, "patients are preloaded")
		got = append(got, b.Slot.UTC().Format("15:04")+" "+b.Room.Name+" "+b.Patient.FirstName)
	}
	assert.Equal(t, []string{"09:00 A Alice", "11:00 B Bob"}, got, "earliest first")

	rooms, err := RoomsOf(ctx, db, w.ada.DBID)
	require.NoError(t, err)
	assert.Equal(t, []string{"A", "B"}, roomNames(rooms))
	rooms, err = RoomsOf(ctx, db, w.grace.DBID)
	require.NoError(t, err)
	assert.Equal(t, []string{"A"}, roomNames(rooms))

	var room Room
	require.NoError(t, db.Preload("Bookings").First(&room, w.roomA.DBID).Error)
	assert.Len(t, room.Bookings, 2, "from a room to its bookings")
}

func roomNames(rooms []Room) []string {
	out := make([]string, 0, len(rooms))
	for _, r := range rooms {
		out = append(out, r.Name)
	}
	return out
}

// The reporting plugin joins the booking plugin's namespace with the read
// key: it reads the bookings, and PostgreSQL refuses its writes.
func TestReportingPluginSharesTheNamespaceReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	_, _, err := MakeBookable(ctx, w.p.Handle.DB(ctx), w.ada.DBID, "general")
	require.NoError(t, err)
	_, err = Book(ctx, w.p.Handle.DB(ctx), w.roomB.DBID, w.ada.DBID, w.alice.DBID, w.nine)
	require.NoError(t, err)

	reporting, err := manifest.Load("reporting")
	require.NoError(t, err)
	plugin, err := namespace.PluginFromManifest(reporting,
		map[string]string{manifest.ReadAccessKey: w.p.Keys.Read}, &Room{}, &Booking{})
	require.NoError(t, err)
	_, err = w.p.Manager.Install(ctx, plugin)
	require.NoError(t, err)
	h, err := w.p.Manager.Open(ctx, plugin.CustomData.Namespace, w.p.Keys.Read)
	require.NoError(t, err)
	defer func() { assert.NoError(t, h.Close()) }()
	assert.Equal(t, manifest.Read, h.Access())

	usage, err := RoomUsage(ctx, h.DB(ctx))
	require.NoError(t, err)
	assert.Equal(t, []Usage{{Room: "B", Bookings: 1}, {Room: "A", Bookings: 0}}, usage)

	err = h.DB(ctx).Create(&Room{Name: "C"}).Error
	require.ErrorIs(t, err, namespace.ErrWriteDenied)
	err = h.DB(ctx).Exec(`DELETE FROM "acme_org__room_booking"."booking"`).Error
	require.ErrorIs(t, err, namespace.ErrWriteDenied, "raw SQL too")
	_, err = Book(ctx, h.DB(ctx), w.roomA.DBID, w.ada.DBID, w.bob.DBID, w.ten)
	require.ErrorIs(t, err, namespace.ErrWriteDenied)

	usage, err = RoomUsage(ctx, w.p.Handle.DB(ctx))
	require.NoError(t, err)
	assert.Equal(t, []Usage{{Room: "B", Bookings: 1}, {Room: "A", Bookings: 0}}, usage, "the refused writes changed nothing")
}
