// Command hello-custom-data is Canvas's custom data quick start, end to end,
// in Go: the platform installs the plugin described by CANVAS_MANIFEST.json,
// a patient and a note appear, and the plugin's "note created" handler tags
// the note (created the first time, found after that), then the same with
// AttributeHub.
//
// It needs no flags. With DATABASE_URL set, it works in that database and
// leaves the namespace my_org__hello_custom_data there, then prints the
// psql and customdata commands to look at it. Run it again and it finds the
// namespace (the platform mints a key for it with AddKey, since keys are
// shown only once) and the note it tagged, and tags nothing twice. If the
// database has no platform tables (patient, note, ...), it creates the test
// fixture's in schema public.
//
// Without DATABASE_URL it makes a scratch database on a throwaway cluster
// started from the local PostgreSQL binaries (else on the server on
// localhost:5432), says so, and removes everything at the end.
package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/pgdiscover"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

//go:embed CANVAS_MANIFEST.json
var manifestJSON []byte

// noteTitle marks the note this program makes, so a second run finds it.
const noteTitle = "hello-custom-data: follow-up visit"

func main() {
	// Ctrl-C (or a closed pipe's SIGPIPE) cancels the run, so the deferred
	// clean-up still runs.
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	ctx, cancel := context.WithTimeout(sigCtx, 2*time.Minute)
	err := run(ctx, os.Stdout, os.Getenv("DATABASE_URL"))
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello-custom-data:", strings.TrimPrefix(err.Error(), "customdata: "))
		os.Exit(1)
	}
}

// run is the whole program. With databaseURL empty it works in a scratch
// database that it removes at the end.
func run(ctx context.Context, out io.Writer, databaseURL string) (err error) {
	m, err := manifest.Parse(manifestJSON)
	if err != nil {
		return err
	}
	dsn := databaseURL
	if dsn == "" {
		scratch, cleanup, err := scratchDatabase(ctx, out)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, cleanup()) }()
		dsn = scratch
	} else {
		fmt.Fprintf(out, "PostgreSQL: DATABASE_URL (%s)\n", pgdiscover.Redact(dsn))
	}

	// The platform side: an admin connection.
	mgr, err := namespace.NewManager(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, mgr.Close()) }()
	if err := ensurePlatformTables(ctx, out, mgr.DB()); err != nil {
		return err
	}

	// The platform installs the plugin and gives its code a key.
	plugin, err := namespace.PluginFromManifest(m, nil, &NoteTag{}, &CustomNote{})
	if err != nil {
		return err
	}
	key, err := install(ctx, out, mgr, plugin)
	if err != nil {
		return err
	}

	// A patient and a note appear on the platform (once: a later run finds them).
	note, err := findOrSeedNote(ctx, out, mgr.DB())
	if err != nil {
		return err
	}

	// The plugin's code gets a handle: its namespace, at the level its key grants.
	h, err := mgr.Open(ctx, plugin.CustomData.Namespace, key)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, h.Close()) }()
	log := newLogger(out)
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
	if err := onNoteCreatedWithHub(ctx, log, h, note.ID.String()); err != nil {
		return err
	}

	ns := plugin.CustomData.Namespace
	if databaseURL == "" {
		fmt.Fprintf(out, "\nDone. The scratch database goes now; set DATABASE_URL to keep namespace %s and look at it.\n", ns)
		return nil
	}
	shown := pgdiscover.Redact(databaseURL)
	fmt.Fprintf(out, "\nNamespace %s stays in this database. Look at it:\n", ns)
	fmt.Fprintf(out, "  psql %s -c '\\d %s.notetag' -c 'SELECT * FROM %s.notetag'\n", shellQuote(shown), ns, ns)
	fmt.Fprintf(out, "  go run ./cmd/customdata namespace inspect --database-url %s %s\n", shellQuote(shown), ns)
	fmt.Fprintf(out, "Remove it:\n  go run ./cmd/customdata namespace drop --apply --database-url %s %s\n", shellQuote(shown), ns)
	return nil
}

// install installs plugin as the platform does and returns the read_write
// key its code opens the namespace with. The first install creates the
// namespace and returns its keys, once. Later, the namespace exists and the
// install needs a key the plugin holds; since only digests are stored, the
// platform mints one with AddKey.
func install(ctx context.Context, out io.Writer, mgr *namespace.Manager, plugin namespace.Plugin) (string, error) {
	ns := plugin.CustomData.Namespace
	inst, err := mgr.Install(ctx, plugin)
	if errors.Is(err, namespace.ErrKeyMissing) {
		key, kerr := mgr.AddKey(ctx, ns, manifest.ReadWrite, "minted by hello-custom-data on "+time.Now().UTC().Format(time.RFC3339))
		if kerr != nil {
			return "", kerr
		}
		fmt.Fprintf(out, "Namespace %s exists already: the platform minted a new read_write key for the plugin with AddKey\n", ns)
		plugin.Secrets = map[string]string{manifest.ReadWriteAccessKey: key}
		if inst, err = mgr.Install(ctx, plugin); err != nil {
			return "", err
		}
		fmt.Fprintf(out, "Installed plugin %q into namespace %s\n", plugin.Name, inst.Namespace)
		printDDL(out, inst.DDL)
		return key, nil
	}
	if err != nil {
		return "", err
	}
	if !inst.Created || inst.Keys == nil {
		return "", fmt.Errorf("customdata: namespace %q already existed but the install asked for no key", ns)
	}
	fmt.Fprintf(out, "Installed plugin %q: created namespace %s\n", plugin.Name, inst.Namespace)
	fmt.Fprintf(out, "  %s = %s\n  %s = %s\n  (shown once; only their SHA-256 digests are stored)\n",
		manifest.ReadAccessKey, inst.Keys.Read, manifest.ReadWriteAccessKey, inst.Keys.ReadWrite)
	printDDL(out, inst.DDL)
	return inst.Keys.ReadWrite, nil
}

func printDDL(out io.Writer, ddl []string) {
	if len(ddl) == 0 {
		fmt.Fprintln(out, "Model DDL: none (the models are unchanged since the last install)")
		return
	}
	fmt.Fprintln(out, "Model DDL:")
	for _, stmt := range ddl {
		fmt.Fprintf(out, "  %s;\n", strings.ReplaceAll(stmt, "\n", "\n  "))
	}
}

// ensurePlatformTables creates the test fixture's platform tables (patient,
// note, ...) in schema public when the database has no note table, as a
// database that is not a Canvas instance's.
func ensurePlatformTables(ctx context.Context, out io.Writer, db *gorm.DB) error {
	var exists bool
	if err := db.WithContext(ctx).Raw("SELECT to_regclass($1) IS NOT NULL", sqlident.Quote("public", sdkmodel.NoteTable)).Scan(&exists).Error; err != nil {
		return fmt.Errorf("customdata: look for the platform tables: %w", err)
	}
	if exists {
		return nil
	}
	fmt.Fprintln(out, "The database has no platform tables: creating the test fixture's (patient, note, ...) in schema public;\n"+
		"  they stay, with the namespace: drop them yourself if this database is only for trying the example")
	return sdkmodel.CreateFixtureTables(ctx, db)
}

// findOrSeedNote returns the note an earlier run made, or seeds a patient
// and a note.
func findOrSeedNote(ctx context.Context, out io.Writer, db *gorm.DB) (*sdkmodel.Note, error) {
	var found []sdkmodel.Note
	if err := db.WithContext(ctx).Where(&sdkmodel.Note{Title: noteTitle}).Order("dbid").Limit(1).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("customdata: look for the quick start's note: %w", err)
	}
	if len(found) == 1 {
		fmt.Fprintf(out, "Note %d (%s) found: made by an earlier run\n", found[0].DBID, found[0].ID)
		return &found[0], nil
	}
	patient, err := sdkmodel.SeedPatient(ctx, db, sdkmodel.Patient{FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		return nil, err
	}
	note, err := sdkmodel.SeedNote(ctx, db, sdkmodel.Note{PatientID: &patient.DBID, Title: noteTitle})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "Note %d (%s) created for patient %s %s\n", note.DBID, note.ID, patient.FirstName, patient.LastName)
	return note, nil
}

// scratchDatabase finds a server without DATABASE_URL (a throwaway cluster,
// else localhost:5432), makes a database on it and returns its DSN and a
// function that removes the database, the namespace's roles and the
// throwaway cluster.
func scratchDatabase(ctx context.Context, out io.Writer) (dsn string, cleanup func() error, err error) {
	srv, err := pgdiscover.Find(ctx)
	if err != nil {
		return "", nil, err
	}
	if srv.PassedOver != "" {
		fmt.Fprintf(out, "Using the server on localhost:5432 (no throwaway cluster: %s).\n", srv.PassedOver)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "customdata_hello_" + hex.EncodeToString(b)
	if _, err := srv.DB.ExecContext(ctx, "CREATE DATABASE "+sqlident.Quote(name)); err != nil {
		return "", nil, errors.Join(fmt.Errorf("customdata: create scratch database %q: %w", name, err), srv.Close())
	}
	dsn, err = pgdiscover.WithDatabase(srv.DSN, name)
	if err != nil {
		return "", nil, errors.Join(err, srv.Close())
	}
	where := "a throwaway cluster from the local PostgreSQL binaries, removed at the end"
	if !srv.Ephemeral() {
		where = string(srv.Source) + "; the database is dropped at the end"
	}
	fmt.Fprintf(out, "PostgreSQL: no DATABASE_URL, so a scratch database %s on %s\n", name, where)
	cleanup = func() error {
		ctx := context.WithoutCancel(ctx)
		var errs []error
		// Drop removes the namespace's roles, which outlive a database.
		if m, err := namespace.NewManager(ctx, dsn); err == nil {
			_, derr := m.Drop(ctx, "my_org__hello_custom_data", namespace.DestructiveOptions{Apply: true})
			if derr != nil && !errors.Is(derr, namespace.ErrNamespaceNotFound) {
				errs = append(errs, derr)
			}
			errs = append(errs, m.Close())
		}
		if _, err := srv.DB.ExecContext(ctx, "DROP DATABASE IF EXISTS "+sqlident.Quote(name)+" WITH (FORCE)"); err != nil {
			errs = append(errs, fmt.Errorf("customdata: drop scratch database %q: %w", name, err))
		}
		errs = append(errs, srv.Close())
		return errors.Join(errs...)
	}
	return dsn, cleanup, nil
}

func newLogger(out io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
