package customdatatest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/customdatatest"
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

// tagNote is the plugin code under test: the quick start's handler.
func tagNote(ctx context.Context, h *namespace.Handle, noteDBID int64) (*NoteTag, bool, error) {
	return custommodel.GetOrCreate(ctx, h.DB(ctx), custommodel.Lookup{"note_id": noteDBID}, &NoteTag{TaggedBy: "hello-custom-data"})
}

func TestTagNote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := customdatatest.InstallManifest(t, "testdata/hello_custom_data", &NoteTag{}, &CustomNote{})

	patient, err := sdkmodel.SeedPatient(ctx, p.Manager.DB(), sdkmodel.Patient{FirstName: "Ada"})
	require.NoError(t, err)
	note, err := sdkmodel.SeedNote(ctx, p.Manager.DB(), sdkmodel.Note{PatientID: &patient.DBID})
	require.NoError(t, err)

	tag, created, err := tagNote(ctx, p.Handle, note.DBID)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "hello-custom-data", tag.TaggedBy)

	_, created, err = tagNote(ctx, p.Handle, note.DBID)
	require.NoError(t, err)
	assert.False(t, created, "the second event finds the tag")
}

func TestInstallReadPlugin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := customdatatest.InstallManifest(t, "testdata/tag_reader")
	assert.Equal(t, manifest.Read, p.Handle.Access())
	assert.Equal(t, manifest.ReadWrite, p.ReadWrite.Access())

	hub, err := attributehub.Create(ctx, p.ReadWrite.DB(ctx), "note_tag", "note:1")
	require.NoError(t, err)
	require.NoError(t, hub.SetAttribute(ctx, "tagged_by", "hello-custom-data"))

	seen, err := attributehub.Get(ctx, p.Handle.DB(ctx), "note_tag", "note:1")
	require.NoError(t, err)
	v, ok, err := attributehub.Attribute[string](ctx, seen, "tagged_by")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "hello-custom-data", v)
	assert.ErrorIs(t, seen.SetAttribute(ctx, "tagged_by", "reader"), namespace.ErrWriteDenied)
}

func TestInstallManifestErrors(t *testing.T) {
	t.Parallel()
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		customdatatest.InstallManifest(ft, "testdata/no_such_plugin")
	}()
	assert.True(t, ft.failed)
	assert.Contains(t, ft.msg, "no_such_plugin")
}

// fakeT records a Fatalf instead of failing the real test.
type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
