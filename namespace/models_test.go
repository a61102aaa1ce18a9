package namespace_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

type CustomNote struct {
	sdkmodel.Note
	Tag *NoteTag `gorm:"foreignKey:NoteID;references:DBID"`
}

type NoteTag struct {
	custommodel.CustomModel
	NoteID   int64       `gorm:"primaryKey"`
	Note     *CustomNote `gorm:"foreignKey:NoteID;references:DBID"`
	TaggedBy string
}

// installQuickStart makes the platform fixture, installs the quick start's
// plugin and seeds one note.
func installQuickStart(t *testing.T) (*namespace.Manager, *namespace.Installation, *sdkmodel.Note) {
	t.Helper()
	m, _ := newManager(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, m.DB()))
	p := rwPlugin("hello_custom_data", "my_org__hello_custom_data", nil)
	p.Models = []any{&NoteTag{}, &CustomNote{}}
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	patient, err := sdkmodel.SeedPatient(ctx, m.DB(), sdkmodel.Patient{FirstName: "Ada", LastName: "Lovelace"})
	require.NoError(t, err)
	note, err := sdkmodel.SeedNote(ctx, m.DB(), sdkmodel.Note{PatientID: &patient.DBID, Title: "Visit"})
	require.NoError(t, err)
	return m, inst, note
}

func TestInstallCreatesModelTablesAndSkipsUnchanged(t *testing.T) {
	t.Parallel()
	m, inst, _ := installQuickStart(t)
	require.True(t, inst.Created)
	assert.NotEmpty(t, inst.DDL)

	in, err := m.Inspect(ctx, "my_org__hello_custom_data")
	require.NoError(t, err)
	var notetag *namespace.TableInfo
	for i := range in.Tables {
		if in.Tables[i].Name == "notetag" {
			notetag = &in.Tables[i]
		}
	}
	require.NotNil(t, notetag)
	assert.Equal(t, []namespace.ColumnInfo{{Name: "note_id", Type: "bigint", Nullable: false}, {Name: "tagged_by", Type: "text", Nullable: true}}, notetag.Columns)

	p := rwPlugin("hello_custom_data", "my_org__hello_custom_data", map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite})
	p.Models = []any{&CustomNote{}, &NoteTag{}}
	again, err := m.Install(ctx, p)
	require.NoError(t, err)
	assert.Empty(t, again.DDL, "unchanged models: no DDL")
}

func TestReinstallWithNewFieldKeepsRows(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	type Room struct {
		custommodel.CustomModel
		Name string
	}
	p := rwPlugin("rooms", "acme__rooms", nil)
	p.Models = []any{&Room{}}
	inst, err := m.Install(ctx, p)
	require.NoError(t, err)
	h, err := m.Open(ctx, "acme__rooms", inst.Keys.ReadWrite)
	require.NoError(t, err)
	require.NoError(t, h.DB(ctx).Create(&Room{Name: "Blue"}).Error)

	{
		type Room struct {
			custommodel.CustomModel
			Name     string
			Capacity int64
		}
		p.Models = []any{&Room{}}
		p.Secrets = map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite}
		again, err := m.Install(ctx, p)
		require.NoError(t, err)
		assert.NotEmpty(t, again.DDL)
		h2, err := m.Open(ctx, "acme__rooms", inst.Keys.ReadWrite)
		require.NoError(t, err)
		var rooms []Room
		require.NoError(t, h2.DB(ctx).Find(&rooms).Error, "a new handle pool sees the new column")
		require.Len(t, rooms, 1)
		assert.Equal(t, "Blue", rooms[0].Name)
		require.NoError(t, h2.DB(ctx).Create(&Room{Name: "Green", Capacity: 8}).Error)
	}
	// Back to the old model: nothing is dropped.
	p.Models = []any{&Room{}}
	_, err = m.Install(ctx, p)
	require.NoError(t, err)
	var cols []string
	require.NoError(t, m.DB().Raw("SELECT column_name FROM information_schema.columns WHERE table_schema = 'acme__rooms' AND table_name = 'room' ORDER BY ordinal_position").Scan(&cols).Error)
	assert.Equal(t, []string{"dbid", "name", "capacity"}, cols)
	var n int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM acme__rooms.room").Scan(&n).Error)
	assert.Equal(t, 2, n)
}

func TestQuickStartThroughHandles(t *testing.T) {
	t.Parallel()
	m, inst, note := installQuickStart(t)
	rw, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.ReadWrite)
	require.NoError(t, err)
	tag, created, err := custommodel.GetOrCreate(ctx, rw.DB(ctx), custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "hello-custom-data"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "hello-custom-data", tag.TaggedBy)
	_, created, err = custommodel.GetOrCreate(ctx, rw.DB(ctx), custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "someone else"})
	require.NoError(t, err)
	assert.False(t, created)

	// Both directions, as the namespace's reader role (SELECT on the SDK tables).
	ro, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.Read)
	require.NoError(t, err)
	var cn CustomNote
	require.NoError(t, ro.DB(ctx).Preload("Tag").First(&cn, note.DBID).Error)
	require.NotNil(t, cn.Tag)
	assert.Equal(t, "hello-custom-data", cn.Tag.TaggedBy)
	var nt NoteTag
	require.NoError(t, ro.DB(ctx).Joins("Note").First(&nt, "note_id = ?", note.DBID).Error)
	require.NotNil(t, nt.Note)
	assert.Equal(t, "Visit", nt.Note.Title)
}

// TestReadHandleChangesNothing: every write a plugin can make through the
// SDK's packages, on a read handle, is refused and leaves the database as it
// was (issue 5's read-handle check, and the custom model writes).
func TestReadHandleChangesNothing(t *testing.T) {
	t.Parallel()
	m, inst, note := installQuickStart(t)
	rw, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.ReadWrite)
	require.NoError(t, err)
	hub, err := attributehub.Create(ctx, rw.DB(ctx), "note_tag", "note:1")
	require.NoError(t, err)
	require.NoError(t, hub.SetAttribute(ctx, "tagged_by", "hello-custom-data"))
	require.NoError(t, rw.DB(ctx).Create(&NoteTag{NoteID: note.DBID, TaggedBy: "x"}).Error)

	ro, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.Read)
	require.NoError(t, err)
	db := ro.DB(ctx)
	roHub, err := attributehub.Get(ctx, db, "note_tag", "note:1")
	require.NoError(t, err, "reading works")
	v, ok, err := roHub.GetAttribute(ctx, "tagged_by")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "hello-custom-data", v)
	// GetOrCreate of a row that exists is a read: it works on a read handle.
	before := snapshot(t, m.DB())
	tag, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "z"})
	require.NoError(t, err, "a hit needs no write")
	assert.False(t, created)
	assert.Equal(t, "x", tag.TaggedBy)
	assert.Equal(t, before, snapshot(t, m.DB()))

	writes := map[string]func() error{
		"hub create": func() error { _, err := attributehub.Create(ctx, db, "note_tag", "note:2"); return err },
		"hub get or create": func() error {
			_, _, err := attributehub.GetOrCreate(ctx, db, "note_tag", "note:3")
			return err
		},
		"hub delete":        func() error { return roHub.Delete(ctx) },
		"hub delete by key": func() error { return attributehub.Delete(ctx, db, "note_tag", "note:1") },
		"set attribute":     func() error { return roHub.SetAttribute(ctx, "tagged_by", "intruder") },
		"set attributes":    func() error { return roHub.SetAttributes(ctx, map[string]any{"a": 1, "b": "two"}) },
		"delete attribute":  func() error { _, err := roHub.DeleteAttribute(ctx, "tagged_by"); return err },
		"model create":      func() error { return db.Create(&NoteTag{NoteID: note.DBID + 1, TaggedBy: "x"}).Error },
		"model save": func() error {
			return db.Save(&NoteTag{NoteID: note.DBID, TaggedBy: "changed"}).Error
		},
		"model update": func() error {
			return db.Model(&NoteTag{}).Where("note_id = ?", note.DBID).Update("tagged_by", "y").Error
		},
		"model delete": func() error { return db.Delete(&NoteTag{NoteID: note.DBID}).Error },
		"get or create": func() error {
			_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"note_id": note.DBID + 7}, &NoteTag{TaggedBy: "z"})
			return err
		},
		"update or create": func() error {
			_, _, err := custommodel.UpdateOrCreate(ctx, db, custommodel.Lookup{"note_id": note.DBID}, &NoteTag{TaggedBy: "z"})
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			before := snapshot(t, m.DB())
			err := write()
			require.Error(t, err)
			assert.ErrorIs(t, err, namespace.ErrWriteDenied)
			assert.Equal(t, before, snapshot(t, m.DB()))
		})
	}
}

// TestTablesAddedLaterAreGranted: a second read_write plugin adds a table to
// a namespace; handles already open (pools already connected) read and write
// it at their level.
func TestTablesAddedLaterAreGranted(t *testing.T) {
	t.Parallel()
	m, inst, _ := installQuickStart(t)
	ro, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.Read)
	require.NoError(t, err)
	rw, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.ReadWrite)
	require.NoError(t, err)
	var one int
	require.NoError(t, ro.DB(ctx).Raw("SELECT 1").Scan(&one).Error, "pools are connected before the new table exists")

	type Label struct {
		custommodel.CustomModel
		Text string `gorm:"uniqueIndex"`
	}
	p := rwPlugin("labeler", "my_org__hello_custom_data", map[string]string{manifest.ReadWriteAccessKey: inst.Keys.ReadWrite})
	p.Models = []any{&Label{}}
	_, err = m.Install(ctx, p)
	require.NoError(t, err)

	label, created, err := custommodel.GetOrCreate(ctx, rw.DB(ctx), custommodel.Lookup{"text": "urgent"}, &Label{})
	require.NoError(t, err)
	assert.True(t, created)
	assert.NotZero(t, label.DBID, "the writer may use the new identity sequence")
	var got Label
	require.NoError(t, ro.DB(ctx).First(&got, "text = ?", "urgent").Error)
	assert.Equal(t, label.DBID, got.DBID)
	assert.ErrorIs(t, ro.DB(ctx).Create(&Label{Text: "nope"}).Error, namespace.ErrWriteDenied)
}

// TestSameModelInTwoNamespaces: GORM caches a parsed model per type; each
// namespace's handles have their own cache, so one Go type maps to a table in
// each namespace.
func TestSameModelInTwoNamespaces(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t)
	require.NoError(t, sdkmodel.CreateFixtureTables(ctx, m.DB()))
	handles := map[string]*namespace.Handle{}
	for _, ns := range []string{"acme__first", "acme__second"} {
		p := rwPlugin("tagger_"+ns, ns, nil)
		p.Models = []any{&NoteTag{}}
		inst, err := m.Install(ctx, p)
		require.NoError(t, err)
		h, err := m.Open(ctx, ns, inst.Keys.ReadWrite)
		require.NoError(t, err)
		handles[ns] = h
	}
	for ns, h := range handles {
		_, created, err := custommodel.GetOrCreate(ctx, h.DB(ctx), custommodel.Lookup{"note_id": int64(7)}, &NoteTag{TaggedBy: ns})
		require.NoError(t, err)
		assert.True(t, created, ns)
	}
	for ns := range handles {
		var by string
		require.NoError(t, m.DB().Raw("SELECT tagged_by FROM "+ns+".notetag WHERE note_id = 7").Scan(&by).Error)
		assert.Equal(t, ns, by, "each row landed in its own namespace")
	}
}

// TestHandlesEnforceCanvasLimits: custommodel's limits are installed on
// every handle's DB.
func TestHandlesEnforceCanvasLimits(t *testing.T) {
	t.Parallel()
	m, inst, note := installQuickStart(t)
	h, err := m.Open(ctx, "my_org__hello_custom_data", inst.Keys.ReadWrite)
	require.NoError(t, err)
	long := strings.Repeat("x", custommodel.MaxValueLength+1)
	err = h.DB(ctx).Create(&NoteTag{NoteID: note.DBID, TaggedBy: long}).Error
	assert.ErrorIs(t, err, custommodel.ErrValueTooLong)
	rows := make([]NoteTag, custommodel.MaxBulkRows+1)
	for i := range rows {
		rows[i] = NoteTag{NoteID: int64(i + 1000), TaggedBy: "bulk"}
	}
	assert.ErrorIs(t, h.DB(ctx).Create(&rows).Error, custommodel.ErrTooManyRows)
	var n int
	require.NoError(t, m.DB().Raw("SELECT count(*) FROM my_org__hello_custom_data.notetag").Scan(&n).Error)
	assert.Zero(t, n, "nothing was written")
}
