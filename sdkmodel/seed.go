package sdkmodel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// ErrMissingLink is returned by SeedNote and SeedAppointment when their
// link to a Patient, PatientID, is nil or 0: the platform's column is
// nullable, but a note or appointment of no patient is rarely what a test
// means.
var ErrMissingLink = errors.New("sdkmodel: seed row is missing a required link")

// ErrUnknownModel is returned by Seed for a type that is not one of this
// package's models (nor a struct embedding one).
var ErrUnknownModel = errors.New("sdkmodel: not a platform model")

// maxSeedDepth bounds the chain of parents Seed creates.
const maxSeedDepth = 16

// Seed inserts row into its fixture table (see CreateFixtureTables) and
// returns it as stored, with its DBID. T is a model of this package (or a
// struct embedding one).
//
// The fields the caller set are stored as they are. Each NOT NULL column
// the caller left zero gets a valid value when zero is not one: a foreign
// key gets a new parent row (seeded the same way, so a Note gets its
// NoteType), a uuid a random UUID, a unique text column (such as Patient's
// key) random hex digits within its length, a column with choices its first
// choice, a date 1980-01-01, a timestamp the current time, jsonb {} and an
// array {}. Zero numbers and false are stored as they are, and nullable
// columns left nil are NULL.
func Seed[T any](ctx context.Context, db *gorm.DB, row T) (*T, error) {
	if db == nil {
		return nil, ErrNilDB
	}
	tabler, ok := any(&row).(interface{ TableName() string })
	var t *fixtureTable
	if ok {
		t = fixtureByName[strings.TrimPrefix(tabler.TableName(), Schema+".")]
	}
	if t == nil || t.model == "" {
		hint := "seed a value of one of package sdkmodel's types, or of a struct embedding one"
		if rt := reflect.TypeOf(row); rt != nil && rt.Kind() == reflect.Pointer {
			hint = "pass the struct value, not a pointer"
		}
		return nil, fmt.Errorf("%w: %v (%s)", ErrUnknownModel, reflect.TypeOf(row), hint)
	}
	db = db.WithContext(ctx)
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(&row); err != nil {
		return nil, fmt.Errorf("sdkmodel: seed %s: %w", t.model, err)
	}
	rv := reflect.ValueOf(&row).Elem()
	given := map[string]any{}
	for _, c := range t.columns {
		f := stmt.Schema.LookUpField(c.name)
		if f == nil || f.DBName != c.name {
			continue
		}
		if v, zero := f.ValueOf(ctx, rv); !zero {
			given[c.name] = v
		}
	}
	var out T
	query, args, err := insertRow(ctx, db, t, given, 0)
	if err != nil {
		return nil, err
	}
	if err := db.Raw(query+" RETURNING *", args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("sdkmodel: seed %s (did CreateFixtureTables run on this database?): %w", t.model, err)
	}
	return &out, nil
}

// insertRow builds the INSERT of one row of t: given columns as they are,
// the other NOT NULL ones filled (parents inserted first).
func insertRow(ctx context.Context, db *gorm.DB, t *fixtureTable, given map[string]any, depth int) (string, []any, error) {
	if depth > maxSeedDepth {
		return "", nil, fmt.Errorf("sdkmodel: seed %s: more than %d levels of required parents", t.name, maxSeedDepth)
	}
	var (
		cols []string
		args []any
	)
	for _, c := range t.columns {
		v, ok := given[c.name]
		if !ok {
			if c.identity || c.null {
				continue
			}
			if c.name == t.pk {
				c.unique = true // a key that is not auto-numbered: Application's identifier
			}
			var err error
			if v, ok, err = fill(ctx, db, c, depth); err != nil {
				return "", nil, fmt.Errorf("sdkmodel: seed %s.%s: %w", t.name, c.name, err)
			}
			if !ok {
				continue
			}
		}
		cols = append(cols, sqlident.Quote(c.name))
		args = append(args, v)
	}
	q := "INSERT INTO " + sqlident.Quote(Schema, t.name)
	if len(cols) == 0 {
		return q + " DEFAULT VALUES", nil, nil
	}
	return q + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")", args, nil
}

// fill returns a valid value for a NOT NULL column the caller left zero;
// false means the column's zero value is valid and nothing need be sent
// but the zero itself.
func fill(ctx context.Context, db *gorm.DB, c fixtureColumn, depth int) (any, bool, error) {
	if c.ref != "" {
		parent := fixtureByName[c.ref]
		if parent == nil {
			return nil, false, fmt.Errorf("unknown table %s", c.ref)
		}
		q, args, err := insertRow(ctx, db, parent, nil, depth+1)
		if err != nil {
			return nil, false, err
		}
		var key int64
		if err := db.Raw(q+" RETURNING "+sqlident.Quote(c.refColumn), args...).Row().Scan(&key); err != nil {
			return nil, false, fmt.Errorf("seed parent %s: %w", c.ref, err)
		}
		return key, true, nil
	}
	if c.choice != "" {
		return c.choice, true, nil
	}
	switch {
	case strings.HasSuffix(c.typ, "[]"):
		return "{}", true, nil
	case c.typ == "uuid":
		return uuid.New(), true, nil
	case c.typ == "text" || strings.HasPrefix(c.typ, "varchar("):
		if !c.unique {
			return "", true, nil
		}
		n := 32
		if c.maxLen > 0 && c.maxLen < n {
			n = c.maxLen
		}
		return randomHex(n), true, nil
	case c.typ == "bigint" || c.typ == "integer":
		if !c.unique {
			return 0, true, nil
		}
		r, err := rand.Int(rand.Reader, big.NewInt(1<<31-1))
		if err != nil {
			return nil, false, err
		}
		return r.Int64() + 1, true, nil
	case c.typ == "date":
		return "1980-01-01", true, nil
	case c.typ == "timestamp with time zone":
		return time.Now().UTC().Truncate(time.Microsecond), true, nil
	case c.typ == "jsonb":
		return "{}", true, nil
	case c.typ == "boolean":
		return false, true, nil
	case c.typ == "double precision" || strings.HasPrefix(c.typ, "numeric"):
		return 0, true, nil
	}
	return nil, false, fmt.Errorf("no seed value for type %s", c.typ)
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// SeedPatient seeds a Patient (see Seed): a zero ID (column key) becomes 32
// random hex digits, a zero BirthDate 1980-01-01.
func SeedPatient(ctx context.Context, db *gorm.DB, p Patient) (*Patient, error) {
	return Seed(ctx, db, p)
}

// SeedStaff seeds a Staff member (see Seed): a zero ID (column key)
// becomes 32 random hex digits.
func SeedStaff(ctx context.Context, db *gorm.DB, s Staff) (*Staff, error) {
	return Seed(ctx, db, s)
}

// SeedNoteType seeds a NoteType (see Seed); an empty Name becomes
// "Office visit".
func SeedNoteType(ctx context.Context, db *gorm.DB, nt NoteType) (*NoteType, error) {
	if nt.Name == "" {
		nt.Name = "Office visit"
	}
	return Seed(ctx, db, nt)
}

// SeedNote seeds a Note (see Seed). PatientID is required (ErrMissingLink);
// a nil NoteTypeVersionID gets a new NoteType.
func SeedNote(ctx context.Context, db *gorm.DB, n Note) (*Note, error) {
	if n.PatientID == nil || *n.PatientID == 0 {
		return nil, fmt.Errorf("%w: Note.PatientID is nil (seed a Patient first and use its DBID)", ErrMissingLink)
	}
	return Seed(ctx, db, n)
}

// SeedAppointment seeds an Appointment (see Seed). PatientID is required
// (ErrMissingLink).
func SeedAppointment(ctx context.Context, db *gorm.DB, a Appointment) (*Appointment, error) {
	if a.PatientID == nil || *a.PatientID == 0 {
		return nil, fmt.Errorf("%w: Appointment.PatientID is nil (seed a Patient first and use its DBID)", ErrMissingLink)
	}
	return Seed(ctx, db, a)
}

// SeedTask seeds a Task (see Seed); its links are optional.
func SeedTask(ctx context.Context, db *gorm.DB, t Task) (*Task, error) {
	return Seed(ctx, db, t)
}
