package main

import (
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// CustomNote extends the SDK's Note with the reverse side of NoteTag's link,
// so code can go from a note to its tag (Canvas's ModelExtension).
type CustomNote struct {
	sdkmodel.Note
	Tag *NoteTag `gorm:"foreignKey:NoteID;references:DBID"`
}

// NoteTag stores a plugin-assigned tag on a note. Its primary key is a
// one-to-one link to the note, so the table is exactly
// my_org__hello_custom_data.notetag (note_id bigint primary key, tagged_by text).
type NoteTag struct {
	custommodel.CustomModel
	NoteID   int64       `gorm:"primaryKey"`
	Note     *CustomNote `gorm:"foreignKey:NoteID;references:DBID"`
	TaggedBy string
}
