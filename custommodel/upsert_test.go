package custommodel_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

func TestGetOrCreateQuickStart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, quickStartNS, &CustomNote{}, &NoteTag{})
	note := e.seedNote(t)

	tag, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "hello-custom-data"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, note.DBID, tag.NoteID)
	assert.Equal(t, "hello-custom-data", tag.TaggedBy)

	again, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "someone else"})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, "hello-custom-data", again.TaggedBy, "a hit ignores defaults")
	assert.EqualValues(t, 1, e.count(t, "notetag"))
}

func TestGetOrCreateCompositeKeyAndDBID(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__booking", &Room{}, &Booking{})
	room, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"}, &Room{Capacity: 3})
	require.NoError(t, err)
	require.True(t, created)
	assert.NotZero(t, room.DBID, "dbid comes back from RETURNING *")

	slot := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	lookup := custommodel.Lookup{"room_id": room.DBID, "slot": slot}
	b, created, err := custommodel.GetOrCreate(ctx, e.db, lookup, &Booking{Status: "confirmed"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.True(t, slot.Equal(b.Slot))

	byID, created, err := custommodel.GetOrCreate[Booking](ctx, e.db, custommodel.Lookup{"dbid": b.DBID}, nil)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, "confirmed", byID.Status)

	// Same key, other lookup values: neither found nor creatable.
	_, _, err = custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"room_id": room.DBID, "slot": slot, "status": "cancelled"}, &Booking{})
	assert.ErrorIs(t, err, custommodel.ErrConflict)
	assert.EqualValues(t, 1, e.count(t, "booking"))
}

func TestLookupRefusedBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__lookup", &Room{}, &Booking{})
	cases := []struct {
		name   string
		lookup custommodel.Lookup
		want   []string
	}{
		{"not covered", custommodel.Lookup{"room_id": 1}, []string{"(room_id) are not covered", "primary key (dbid)", "unique index (room_id, slot)", "uniqueIndex"}},
		{"unknown column", custommodel.Lookup{"nope": 1}, []string{`unknown column "nope"`}},
		{"field name", custommodel.Lookup{"RoomID": 1}, []string{`unknown column "RoomID"`, `column "room_id"`}},
		{"empty", custommodel.Lookup{}, []string{"empty"}},
		{"bad value", custommodel.Lookup{"room_id": "x", "slot": time.Now()}, []string{"does not fit column"}},
		{"float with fraction", custommodel.Lookup{"room_id": 1.9, "slot": time.Now()}, []string{`column "room_id"`, "fraction"}},
		{"out of range", custommodel.Lookup{"room_id": uint64(1) << 63, "slot": time.Now()}, []string{`column "room_id"`, "out of the range of int64"}},
		{"nil key", custommodel.Lookup{"room_id": nil, "slot": time.Now()}, []string{`column "room_id"`, "non-pointer"}},
		{"number for text", custommodel.Lookup{"dbid": 1, "status": 7}, []string{`column "status"`, "not a string"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := custommodel.GetOrCreate(ctx, e.db, c.lookup, &Booking{})
			require.ErrorIs(t, err, custommodel.ErrLookup)
			var le *custommodel.LookupError
			require.ErrorAs(t, err, &le)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
			_, _, err = custommodel.UpdateOrCreate(ctx, e.db, c.lookup, &Booking{})
			assert.ErrorIs(t, err, custommodel.ErrLookup)
		})
	}
	assert.Zero(t, e.count(t, "booking"))
}

// Badge has a nullable unique key.
type Badge struct {
	custommodel.CustomModel
	Code  *string `gorm:"uniqueIndex"`
	Label string
	Note  *string
}

func TestLookupNil(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__badges", &Badge{})
	code := "a"
	require.NoError(t, e.db.Create(&Badge{Code: &code, Label: "first"}).Error)

	t.Run("nil key column", func(t *testing.T) {
		for range 2 {
			_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"code": nil}, &Badge{})
			var le *custommodel.LookupError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "code", le.Column)
			assert.Contains(t, err.Error(), "NULLs never conflict")
			_, _, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"code": (*string)(nil)}, &Badge{})
			assert.ErrorIs(t, err, custommodel.ErrLookup)
			// A pointer to a nil pointer stores NULL just the same.
			var nilCode *string
			_, _, err = custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"code": &nilCode}, &Badge{})
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "code", le.Column)
		}
		assert.EqualValues(t, 1, e.count(t, "badge"), "no row per call")
	})
	t.Run("nil outside the key matches NULL", func(t *testing.T) {
		got, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"code": "a", "note": nil}, &Badge{})
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, "first", got.Label)
		got, created, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"code": "a", "note": nil}, &Badge{Label: "second"}, "label")
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, "second", got.Label)
	})
	t.Run("nil on a non-pointer field", func(t *testing.T) {
		_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"code": "b", "label": nil}, &Badge{})
		var le *custommodel.LookupError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "label", le.Column)
		assert.Contains(t, err.Error(), "pointer")
	})
	assert.EqualValues(t, 1, e.count(t, "badge"))
}

func TestGetOrCreateConflictOnAnotherUniqueIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__rooms_pk", &Room{})
	require.NoError(t, e.db.Create(&Room{Name: "Blue"}).Error)

	_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": 5001}, &Room{Name: "Blue"})
	require.ErrorIs(t, err, custommodel.ErrConflict)
	var pgErr *pgconn.PgError
	assert.False(t, errors.As(err, &pgErr), "no raw unique violation: %v", err)

	_, _, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"dbid": 5001}, &Room{Name: "Blue"})
	require.ErrorIs(t, err, custommodel.ErrConflict)
	require.ErrorAs(t, err, &pgErr, "the driver's error stays in the chain")
	assert.Equal(t, "23505", pgErr.Code)
	assert.Contains(t, err.Error(), "room_name_uniq")
	assert.EqualValues(t, 1, e.count(t, "room"))

	// Integral floats (as JSON decodes numbers) fit an integer column.
	got, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": 5001.0}, &Room{Name: "Red"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.EqualValues(t, 5001, got.DBID)
}

func TestGetOrCreateRefusesSDKModelsAndExtensions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, quickStartNS, &CustomNote{}, &NoteTag{})
	_, _, err := custommodel.GetOrCreate[CustomNote](ctx, e.db, custommodel.Lookup{"dbid": 1}, nil)
	require.ErrorIs(t, err, custommodel.ErrDeclaration)
	assert.Contains(t, err.Error(), "read-only")
	assert.NotContains(t, err.Error(), "primary key")
	_, _, err = custommodel.UpdateOrCreate[sdkmodel.Note](ctx, e.db, custommodel.Lookup{"dbid": 1}, &sdkmodel.Note{})
	require.ErrorIs(t, err, custommodel.ErrDeclaration)
	assert.Contains(t, err.Error(), "read-only")
}

func TestGetOrCreateConcurrentNewKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, quickStartNS, &CustomNote{}, &NoteTag{})
	note := e.seedNote(t)
	sqlDB, err := e.db.DB()
	require.NoError(t, err)
	sqlDB.SetMaxOpenConns(64)

	const n = 64
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		errs    = make([]error, n)
		created = make([]bool, n)
		tags    = make([]*NoteTag, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tags[i], created[i], errs[i] = custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "racer"})
		}()
	}
	close(start)
	wg.Wait()
	nCreated := 0
	for i := range n {
		require.NoError(t, errs[i], "goroutine %d", i)
		assert.Equal(t, note.DBID, tags[i].NoteID)
		if created[i] {
			nCreated++
		}
	}
	assert.Equal(t, 1, nCreated)
	assert.EqualValues(t, 1, e.count(t, "notetag"))
}

func TestUpdateOrCreate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__upsert", &Room{}, &Booking{})

	room, created, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"},
		&Room{Capacity: 4, Active: true}, "capacity")
	require.NoError(t, err)
	assert.True(t, created)
	assert.EqualValues(t, 4, room.Capacity)
	assert.True(t, room.Active, "unlisted fields act as create defaults")

	room2, created, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"},
		&Room{Capacity: 10, Active: false}, "capacity")
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, room.DBID, room2.DBID)
	assert.EqualValues(t, 10, room2.Capacity)
	assert.True(t, room2.Active, "only listed columns are updated")

	// Nil values and no columns: nothing changes (Django's update_or_create
	// without defaults).
	same, created, err := custommodel.UpdateOrCreate[Room](ctx, e.db, custommodel.Lookup{"name": "Blue"}, nil)
	require.NoError(t, err)
	assert.False(t, created)
	assert.EqualValues(t, 10, same.Capacity)
	assert.True(t, same.Active)

	// No columns listed: every column but the key and the lookup's.
	room3, created, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"},
		&Room{Capacity: 2, Features: map[string]any{"projector": true}})
	require.NoError(t, err)
	assert.False(t, created)
	assert.EqualValues(t, 2, room3.Capacity)
	assert.False(t, room3.Active)
	assert.Equal(t, map[string]any{"projector": true}, room3.Features)
	assert.EqualValues(t, 1, e.count(t, "room"))

	_, _, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"}, &Room{}, "dbid")
	assert.ErrorIs(t, err, custommodel.ErrLookup)
	_, _, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"}, &Room{}, "colour")
	assert.ErrorIs(t, err, custommodel.ErrLookup)

	// A lookup column outside the key that does not match: row left alone.
	_, _, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue", "capacity": 99}, &Room{Active: true}, "active")
	assert.ErrorIs(t, err, custommodel.ErrConflict)
	var got Room
	require.NoError(t, e.db.First(&got, room.DBID).Error)
	assert.False(t, got.Active)
}

func TestUpdateOrCreateConcurrent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__upsert_race", &Room{})
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	created := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created[i], errs[i] = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"name": "Hot"}, &Room{Capacity: int32(i)}, "capacity")
		}()
	}
	wg.Wait()
	nCreated := 0
	for i := range n {
		require.NoError(t, errs[i])
		if created[i] {
			nCreated++
		}
	}
	assert.Equal(t, 1, nCreated)
	assert.EqualValues(t, 1, e.count(t, "room"))
}

func TestGetOrCreateEveryTypeRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__types", &EveryType{})
	var before EveryType
	require.NoError(t, e.db.Create(&EveryType{Text: "via gorm", Day: dateOf(2026, 1, 2), Raw: []byte(`{"a":1}`)}).Error)
	require.NoError(t, e.db.First(&before).Error)
	assert.JSONEq(t, `{"a":1}`, string(before.Raw))

	in := everyTypeSample()
	got, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": 100}, &in)
	require.NoError(t, err)
	require.True(t, created)
	assert.EqualValues(t, 100, got.DBID)
	assert.Equal(t, in.Text, got.Text)
	assert.Equal(t, in.Int32, got.Int32)
	assert.Equal(t, in.Int64, got.Int64)
	assert.Equal(t, in.Int, got.Int)
	assert.Equal(t, in.Float, got.Float)
	assert.True(t, in.Amount.Equal(got.Amount), "%s != %s", in.Amount, got.Amount)
	assert.Equal(t, in.Flag, got.Flag)
	assert.True(t, in.Price.Equal(got.Price))
	assert.Equal(t, in.Day, got.Day)
	assert.True(t, in.At.Equal(got.At))
	assert.Equal(t, in.UUID, got.UUID)
	assert.JSONEq(t, string(in.Raw), string(got.Raw))
	assert.Equal(t, in.Meta, got.Meta)
	assert.Equal(t, in.Tags, got.Tags)
	assert.Equal(t, in.Address, got.Address)
	require.NotNil(t, got.MaybeDay)
	assert.Equal(t, *in.MaybeDay, *got.MaybeDay)
	assert.Nil(t, got.MaybeText)
}

// Price is keyed by a numeric(12,2) column.
type Price struct {
	custommodel.CustomModel
	Amount decimal.Decimal `gorm:"precision:12;scale:2;uniqueIndex"`
	Label  string
}

// TestDecimalLookupMustFitTheColumn: PostgreSQL rounds a decimal to its
// column's scale, so a lookup with more places would create a row it could
// never find again; it is refused before any write.
func TestDecimalLookupMustFitTheColumn(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__prices", &Price{})
	for _, c := range []struct {
		amount decimal.Decimal
		want   string
	}{
		{decimal.RequireFromString("1.234"), "more than 2 decimal places"},
		{decimal.RequireFromString("12345678901"), "more than 10 digits before the decimal point"},
	} {
		_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"amount": c.amount}, &Price{})
		var le *custommodel.LookupError
		require.ErrorAs(t, err, &le, c.amount.String())
		assert.Equal(t, "amount", le.Column)
		assert.Contains(t, err.Error(), c.want)
		_, _, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"amount": c.amount}, &Price{})
		assert.ErrorIs(t, err, custommodel.ErrLookup)
	}
	assert.Zero(t, e.count(t, "price"))

	// A value that fits is found again by the same lookup.
	for i := range 2 {
		got, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"amount": decimal.RequireFromString("1.20")}, &Price{Label: "a"})
		require.NoError(t, err)
		assert.Equal(t, i == 0, created)
		assert.True(t, got.Amount.Equal(decimal.RequireFromString("1.2")))
	}
}

// TestGetOrCreateInTransactions: in the caller's transaction GetOrCreate
// reads first, so a hit works in a read-only transaction (where the
// one-statement form would be refused and abort it), and a miss's row goes
// with the transaction.
func TestGetOrCreateInTransactions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__tx", &Room{})
	_, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"}, &Room{Capacity: 3})
	require.NoError(t, err)
	require.True(t, created)

	err = e.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		require.NoError(t, tx.Exec("SET TRANSACTION READ ONLY").Error)
		room, created, err := custommodel.GetOrCreate(ctx, tx, custommodel.Lookup{"name": "Blue"}, &Room{})
		require.NoError(t, err, "a hit is a read")
		assert.False(t, created)
		assert.EqualValues(t, 3, room.Capacity)
		_, _, err = custommodel.GetOrCreate(ctx, tx, custommodel.Lookup{"name": "Green"}, &Room{})
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr, "a miss must write")
		assert.Equal(t, "25006", pgErr.Code)
		return nil
	})
	require.Error(t, err, "the refused write aborted the transaction; its commit fails")

	err = e.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		room, created, err := custommodel.GetOrCreate(ctx, tx, custommodel.Lookup{"name": "Red"}, &Room{Capacity: 5})
		require.NoError(t, err)
		assert.True(t, created)
		again, created, err := custommodel.GetOrCreate(ctx, tx, custommodel.Lookup{"name": "Red"}, &Room{})
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, room.DBID, again.DBID)
		return errors.New("roll back")
	})
	require.Error(t, err)
	assert.EqualValues(t, 1, e.count(t, "room"), "the rolled-back row is gone")

	// Outside a transaction, a read-only session falls back to the SELECT.
	sqlDB, err := e.db.DB()
	require.NoError(t, err)
	conn, err := sqlDB.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
	require.NoError(t, err)
	defer conn.ExecContext(context.Background(), "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
	one := e.db.Session(&gorm.Session{NewDB: true})
	one.Statement.ConnPool = conn
	room, created, err := custommodel.GetOrCreate(ctx, one, custommodel.Lookup{"name": "Blue"}, &Room{})
	require.NoError(t, err)
	assert.False(t, created)
	assert.EqualValues(t, 3, room.Capacity)
}

// Stamp has a nullable time in its lookup and a JSON body inserted first.
type Stamp struct {
	custommodel.CustomModel
	Body json.RawMessage
	Code string     `gorm:"uniqueIndex:stamp_code_at"`
	At   *time.Time `gorm:"uniqueIndex:stamp_code_at"`
}

// TestLookupPointerToNilTime: a pointer to a nil *time.Time looks up (and
// would store) NULL, not the defaults' time, which GORM's Set would keep.
// As part of the key, NULL is refused (it could not stop a second row).
func TestLookupPointerToNilTime(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__stamps", &Stamp{})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var nilAt *time.Time
	_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"code": "c", "at": &nilAt}, &Stamp{At: &at})
	var le *custommodel.LookupError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "at", le.Column)
	assert.Contains(t, err.Error(), "NULLs never conflict")
	assert.Zero(t, e.count(t, "stamp"))
}

// TestUpdateOrCreateRawJSONFirst: a json.RawMessage as the first inserted
// column stays one value (GORM expands a slice bound right after "(").
func TestUpdateOrCreateRawJSONFirst(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__raw_first", &Stamp{})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	lookup := custommodel.Lookup{"code": "x", "at": at}
	s, created, err := custommodel.UpdateOrCreate(ctx, e.db, lookup, &Stamp{Body: json.RawMessage(`{"z":2}`)})
	require.NoError(t, err)
	assert.True(t, created)
	assert.JSONEq(t, `{"z":2}`, string(s.Body))
	s, created, err = custommodel.UpdateOrCreate(ctx, e.db, lookup, &Stamp{Body: json.RawMessage(`[1,2]`)}, "body")
	require.NoError(t, err)
	assert.False(t, created)
	assert.JSONEq(t, `[1,2]`, string(s.Body))
}
