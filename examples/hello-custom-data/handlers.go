package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// onNoteCreated is the plugin's "note created" handler: it tags the note,
// once, and logs who tagged it.
func onNoteCreated(ctx context.Context, log *slog.Logger, h *namespace.Handle, noteDBID int64) (created bool, err error) {
	tag, created, err := custommodel.GetOrCreate(ctx, h.DB(ctx),
		custommodel.Lookup{"note_id": noteDBID},
		&NoteTag{TaggedBy: "hello-custom-data"})
	if err != nil {
		return false, err
	}
	log.Info("Note tagged by: "+tag.TaggedBy, "note_dbid", noteDBID, "created", created)
	return created, nil
}

// onNoteCreatedWithHub is the AttributeHub alternative: no model, a
// key-value hub per note.
func onNoteCreatedWithHub(ctx context.Context, log *slog.Logger, h *namespace.Handle, noteID string) error {
	hub, _, err := attributehub.GetOrCreate(ctx, h.DB(ctx), "note_tag", fmt.Sprintf("note:%s", noteID))
	if err != nil {
		return err
	}
	if err := hub.SetAttribute(ctx, "tagged_by", "hello-custom-data"); err != nil {
		return err
	}
	taggedBy, _, err := attributehub.Attribute[string](ctx, hub, "tagged_by")
	if err != nil {
		return err
	}
	log.Info("Note tagged by: "+taggedBy, "hub", hub.ID)
	return nil
}
