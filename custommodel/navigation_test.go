package custommodel_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

func TestNavigationBothWays(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, quickStartNS, &CustomNote{}, &NoteTag{})
	tagged := e.seedNote(t)
	untagged := e.seedNote(t)
	_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"note_id": tagged.DBID}, &NoteTag{TaggedBy: "hello"})
	require.NoError(t, err)
	// A tag whose note does not exist.
	require.NoError(t, e.db.Create(&NoteTag{NoteID: 999_999, TaggedBy: "orphan"}).Error)

	for _, how := range []string{"Preload", "Joins"} {
		t.Run(how, func(t *testing.T) {
			// One query per level with Preload, one in all with Joins.
			rec := &sqlRecorder{}
			db := e.db.Session(&gorm.Session{Logger: rec})
			wantStatements := map[string]int{"Preload": 2, "Joins": 1}[how]
			q := db.WithContext(ctx)
			// note -> tag
			var notes []CustomNote
			if how == "Preload" {
				q = q.Preload("Tag")
			} else {
				q = q.Joins("Tag")
			}
			require.NoError(t, q.Order("dbid").Find(&notes).Error)
			assert.Len(t, rec.take(), wantStatements, "note -> tag")
			byID := map[int64]CustomNote{}
			for _, n := range notes {
				byID[n.DBID] = n
			}
			require.Contains(t, byID, tagged.DBID)
			require.NotNil(t, byID[tagged.DBID].Tag)
			assert.Equal(t, "hello", byID[tagged.DBID].Tag.TaggedBy)
			assert.Nil(t, byID[untagged.DBID].Tag, "a note without a tag has nil Tag")

			// tag -> note
			var tags []NoteTag
			q = db.WithContext(ctx)
			if how == "Preload" {
				q = q.Preload("Note")
			} else {
				q = q.Joins("Note")
			}
			require.NoError(t, q.Order("note_id").Find(&tags).Error)
			assert.Len(t, rec.take(), wantStatements, "tag -> note")
			require.Len(t, tags, 2)
			require.NotNil(t, tags[0].Note)
			assert.Equal(t, tagged.ID, tags[0].Note.ID)
			assert.Equal(t, "Visit", tags[0].Note.Title)
			assert.Nil(t, tags[1].Note, "a link to a missing row gives nil")
		})
	}
}

func TestOneToOneKeyWorksWithGORM(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, quickStartNS, &CustomNote{}, &NoteTag{})
	note := e.seedNote(t)
	tag := NoteTag{NoteID: note.DBID, TaggedBy: "gorm"}
	require.NoError(t, e.db.WithContext(ctx).Create(&tag).Error)
	var got NoteTag
	require.NoError(t, e.db.WithContext(ctx).First(&got).Error)
	assert.Equal(t, note.DBID, got.NoteID)
	assert.Zero(t, got.DBID, "a one-to-one keyed model has no dbid")
	got.TaggedBy = "changed"
	require.NoError(t, e.db.WithContext(ctx).Save(&got).Error)
	require.NoError(t, e.db.WithContext(ctx).Delete(&NoteTag{NoteID: 12345}).Error)
	var again NoteTag
	require.NoError(t, e.db.WithContext(ctx).First(&again, "note_id = ?", note.DBID).Error)
	assert.Equal(t, "changed", again.TaggedBy)
	require.NoError(t, e.db.WithContext(ctx).Delete(&again).Error)
	assert.Zero(t, e.count(t, "notetag"))
}
