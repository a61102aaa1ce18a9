package attributehub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
)

// Hub is one key-value store of a namespace, named by (Type, ID). A *Hub
// returned by this package keeps the *gorm.DB it came from and uses it for
// its methods; a Hub built by hand has none and its methods return
// ErrInvalidHub.
type Hub struct {
	// DBID is the hub's primary key, attribute_hub.dbid.
	DBID int64
	// Type groups hubs ("note_state"); at most MaxHubField characters.
	Type string
	// ID names the hub within its type ("note:89992c23-..."); at most
	// MaxHubField characters.
	ID string

	db *gorm.DB
	t  tables
}

// String returns "type/id", or "<nil>" for a nil *Hub.
func (h *Hub) String() string {
	if h == nil {
		return "<nil>"
	}
	return h.Type + "/" + h.ID
}

// tables holds the quoted, schema-qualified names of the two tables, and
// the namespace's hot-path statements (the same *queries for the same
// namespace, so tables of one namespace compare equal).
type tables struct {
	hub, attr string
	q         *queries
}

func tablesOf(db *gorm.DB) (tables, error) {
	if db == nil {
		return tables{}, ErrNilDB
	}
	ns, err := scope.Namespace(db)
	if err != nil {
		return tables{}, fmt.Errorf("attributehub: %w", err)
	}
	hub, attr := sqlident.Quote(ns, systables.AttributeHub), sqlident.Quote(ns, systables.CustomAttribute)
	return tables{hub: hub, attr: attr, q: queriesFor(hub, attr)}, nil
}

// checkHubField validates a hub's type or id before anything is sent.
func checkHubField(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalidHub, what)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidHub, what)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("%w: %s holds a NUL byte", ErrInvalidHub, what)
	}
	if n := utf8.RuneCountInString(s); n > MaxHubField {
		return fmt.Errorf("%w: %s has %d characters, more than the limit of %d", ErrInvalidHub, what, n, MaxHubField)
	}
	return nil
}

func checkHub(typ, id string) error {
	if err := checkHubField("type", typ); err != nil {
		return err
	}
	return checkHubField("id", id)
}

// prepare validates typ and id and resolves db's tables.
func prepare(db *gorm.DB, typ, id string) (tables, error) {
	if db == nil {
		return tables{}, ErrNilDB
	}
	if err := checkHub(typ, id); err != nil {
		return tables{}, err
	}
	return tablesOf(db)
}

// Create makes the hub (typ, id). If it already exists the error wraps
// ErrHubExists.
func Create(ctx context.Context, db *gorm.DB, typ, id string) (*Hub, error) {
	t, err := prepare(db, typ, id)
	if err != nil {
		return nil, err
	}
	h := &Hub{Type: typ, ID: id, db: db, t: t}
	// Scan, not Row().Scan: a query's error then reaches GORM's callbacks,
	// where a read handle reports it as a denied write.
	if err := db.WithContext(ctx).Raw(`INSERT INTO `+t.hub+` (type, id) VALUES (?, ?) RETURNING dbid`, typ, id).Scan(&h.DBID).Error; err != nil {
		return nil, wrapDB(err, "create hub %s/%s", typ, id)
	}
	return h, nil
}

// Get returns the hub (typ, id), or an error wrapping ErrHubNotFound.
func Get(ctx context.Context, db *gorm.DB, typ, id string) (*Hub, error) {
	t, err := prepare(db, typ, id)
	if err != nil {
		return nil, err
	}
	h, err := lookup(ctx, db, t, typ, id)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("%w: no hub %s/%s in this namespace", ErrHubNotFound, typ, id)
	}
	return h, nil
}

// lookup returns the hub or nil if there is none.
func lookup(ctx context.Context, db *gorm.DB, t tables, typ, id string) (*Hub, error) {
	h := &Hub{Type: typ, ID: id, db: db, t: t}
	err := errFallback
	if pool, ok := h.fastPool(ctx, false); ok {
		err = h.lookupFast(ctx, pool)
	}
	if err == errFallback {
		err = db.WithContext(ctx).Raw(`SELECT dbid FROM `+t.hub+` WHERE type = ? AND id = ?`, typ, id).Row().Scan(&h.DBID)
	}
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrapDB(err, "get hub %s/%s", typ, id)
	}
	return h, nil
}

// getOrCreateAttempts bounds GetOrCreate's retries; each retry needs another
// session to delete the hub between our insert and our read.
const getOrCreateAttempts = 5

// GetOrCreate returns the hub (typ, id), creating it if needed; created
// reports whether this call made it. It is safe under concurrency: callers
// racing on one (type, id) all get the same hub and no error. When the hub
// exists it costs one round trip (a SELECT); otherwise an INSERT ... ON
// CONFLICT DO NOTHING, and if another session won the race, a re-read in a
// new statement (so that it sees the winner's committed row).
func GetOrCreate(ctx context.Context, db *gorm.DB, typ, id string) (h *Hub, created bool, err error) {
	t, err := prepare(db, typ, id)
	if err != nil {
		return nil, false, err
	}
	for range getOrCreateAttempts {
		if h, err = lookup(ctx, db, t, typ, id); err != nil || h != nil {
			return h, false, err
		}
		h = &Hub{Type: typ, ID: id, db: db, t: t}
		res := db.WithContext(ctx).Raw(`INSERT INTO `+t.hub+` (type, id) VALUES (?, ?) ON CONFLICT (type, id) DO NOTHING RETURNING dbid`,
			typ, id).Scan(&h.DBID)
		if res.Error != nil {
			return nil, false, wrapDB(res.Error, "create hub %s/%s", typ, id)
		}
		if res.RowsAffected == 1 {
			return h, true, nil
		}
		// Another session inserted it first: read it back (next iteration).
	}
	return nil, false, fmt.Errorf("attributehub: get or create hub %s/%s: the hub was created and deleted concurrently %d times; giving up",
		typ, id, getOrCreateAttempts)
}

// Delete removes the hub (typ, id) and all its attributes, in one
// transaction: it locks the hub row (SELECT ... FOR UPDATE), which makes
// concurrent writers of its attributes wait, then deletes the attributes and
// the hub. Attributes added by other sessions while it waits go with the hub;
// their writers then get ErrHubNotFound. If there is no such hub the error
// wraps ErrHubNotFound.
func Delete(ctx context.Context, db *gorm.DB, typ, id string) error {
	t, err := prepare(db, typ, id)
	if err != nil {
		return err
	}
	return deleteHub(ctx, db, t, typ+"/"+id, `type = ? AND id = ?`, typ, id)
}

// errNoHub tells deleteHub's caller that the hub row was not found.
var errNoHub = errors.New("no hub")

// deleteHub deletes the hub selected by where (on attribute_hub) and its
// attributes; see Delete.
func deleteHub(ctx context.Context, db *gorm.DB, t tables, name, where string, args ...any) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var dbid int64
		// Raw(...).Scan and Exec, not Row(): errors reach GORM's callbacks,
		// where a read handle reports them as denied writes.
		res := tx.Raw(`SELECT dbid FROM `+t.hub+` WHERE `+where+` FOR UPDATE`, args...).Scan(&dbid)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNoHub
		}
		// With the hub row locked no attribute can be added to it, and this
		// statement's snapshot sees every attribute committed before.
		return tx.Exec(`WITH a AS (DELETE FROM `+t.attr+` WHERE hub_id = ?)
DELETE FROM `+t.hub+` WHERE dbid = ?`, dbid, dbid).Error
	})
	var pg *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoHub):
		return fmt.Errorf("%w: no hub %s to delete", ErrHubNotFound, name)
	case errors.As(err, &pg) && pg.Code == sqlstateForeignKeyViolation:
		// Not expected with the row lock held (only if the caller's
		// transaction is not READ COMMITTED); the hub still exists.
		return fmt.Errorf("attributehub: delete hub %s: an attribute was added to it concurrently, so the hub was not deleted; try again: %w", name, err)
	}
	return wrapDB(err, "delete hub %s", name)
}

// bound checks that h came from this package.
func (h *Hub) bound() error {
	if h == nil || h.db == nil {
		return fmt.Errorf("%w: this *Hub is not bound to a database; get it from Create, Get, GetOrCreate, List or Find", ErrInvalidHub)
	}
	return nil
}

// Delete removes the hub and all its attributes, as the function Delete
// does (one transaction, safe against concurrent writers). If the hub is
// already gone the error wraps ErrHubNotFound.
func (h *Hub) Delete(ctx context.Context) error {
	if err := h.bound(); err != nil {
		return err
	}
	return deleteHub(ctx, h.db, h.t, h.String(), `dbid = ?`, h.DBID)
}

// List returns the hubs of type typ, ordered by id.
func List(ctx context.Context, db *gorm.DB, typ string) ([]*Hub, error) {
	if err := checkHubField("type", typ); err != nil {
		return nil, err
	}
	t, err := tablesOf(db)
	if err != nil {
		return nil, err
	}
	return queryHubs(ctx, db, t, `SELECT h.dbid, h.type, h.id FROM `+t.hub+` h WHERE h.type = ? ORDER BY h.id, h.dbid`, typ)
}

// queryHubs runs a query whose columns are (dbid, type, id).
func queryHubs(ctx context.Context, db *gorm.DB, t tables, query string, args ...any) ([]*Hub, error) {
	rows, err := db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, wrapDB(err, "list hubs")
	}
	defer rows.Close()
	var hubs []*Hub
	for rows.Next() {
		h := &Hub{db: db, t: t}
		if err := rows.Scan(&h.DBID, &h.Type, &h.ID); err != nil {
			return nil, wrapDB(err, "list hubs")
		}
		hubs = append(hubs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapDB(err, "list hubs")
	}
	return hubs, nil
}
