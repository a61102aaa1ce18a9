// Command hello-custom-data is Canvas's custom data quick start, end to end,
// in Go: it installs the plugin described by CANVAS_MANIFEST.json into a
// fresh database, creates a patient and a note on the platform side, and runs
// the plugin's "note created" handler twice (the tag is created, then found),
// then shows the AttributeHub alternative.
//
// It needs no flags. It finds PostgreSQL as the tests do: DATABASE_URL if
// set, else a throwaway cluster from the local PostgreSQL binaries, else a
// server on localhost:5432. The database it makes is dropped at the end.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/canvas-sdk-go/customdata/customdatatest"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

//go:embed CANVAS_MANIFEST.json
var manifestJSON []byte

func main() {
	// Ctrl-C (or a closed pipe's SIGPIPE) cancels the run, so the deferred
	// clean-up still drops the database it made.
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	ctx, cancel := context.WithTimeout(sigCtx, 2*time.Minute)
	err := run(ctx, os.Stdout)
	cancel()
	stop()
	if serr := customdatatest.Shutdown(); err == nil {
		err = serr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello-custom-data:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) (err error) {
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))

	m, err := manifest.Parse(manifestJSON)
	if err != nil {
		return err
	}
	_, source, err := customdatatest.ServerDSN(ctx)
	if err != nil {
		return err
	}
	db, err := customdatatest.Create(ctx, customdatatest.FixtureConfig())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Drop(context.WithoutCancel(ctx))) }()
	fmt.Fprintf(out, "PostgreSQL: %s, database %s (with the platform's SDK tables)\n", source, db.Name)

	// The platform installs the plugin.
	mgr, err := namespace.NewManager(ctx, db.DSN)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, mgr.Close()) }()
	plugin, err := namespace.PluginFromManifest(m, nil, &NoteTag{}, &CustomNote{})
	if err != nil {
		return err
	}
	inst, err := mgr.Install(ctx, plugin)
	if err != nil {
		return err
	}
	if !inst.Created || inst.Keys == nil {
		// Each run has a fresh database, so the first install creates it.
		return fmt.Errorf("namespace %s already existed: its keys are not shown again", inst.Namespace)
	}
	fmt.Fprintf(out, "Installed plugin %q: created namespace %s\n", plugin.Name, inst.Namespace)
	fmt.Fprintf(out, "  %s = %s\n  %s = %s\n  (shown once; only their SHA-256 digests are stored)\n",
		manifest.ReadAccessKey, inst.Keys.Read, manifest.ReadWriteAccessKey, inst.Keys.ReadWrite)
	fmt.Fprintln(out, "Model DDL:")
	for _, stmt := range inst.DDL {
		fmt.Fprintf(out, "  %s;\n", strings.ReplaceAll(stmt, "\n", "\n  "))
	}

	// A patient and a note appear on the platform.
	patient, err := sdkmodel.SeedPatient(ctx, mgr.DB(), sdkmodel.Patient{FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		return err
	}
	note, err := sdkmodel.SeedNote(ctx, mgr.DB(), sdkmodel.Note{PatientID: &patient.DBID, Title: "Follow-up visit"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Note %d (%s) created for patient %s %s\n", note.DBID, note.ID, patient.FirstName, patient.LastName)

	// The plugin's code gets a handle: its namespace, at the level its key grants.
	h, err := mgr.Open(ctx, inst.Namespace, inst.Keys.ReadWrite)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, h.Close()) }()
	for range 2 {
		created, err := onNoteCreated(ctx, log, h, note.DBID)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintln(out, "  -> the tag was created")
		} else {
			fmt.Fprintln(out, "  -> the tag was found, not created")
		}
	}

	// From the note to its tag, through the SDK model extension.
	var cn CustomNote
	if err := h.DB(ctx).Preload("Tag").First(&cn, note.DBID).Error; err != nil {
		return err
	}
	fmt.Fprintf(out, "Note %q is tagged by %s\n", cn.Title, cn.Tag.TaggedBy)

	fmt.Fprintln(out, "AttributeHub alternative:")
	return onNoteCreatedWithHub(ctx, log, h, note.ID.String())
}
