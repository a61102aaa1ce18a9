package namespace

// A pipelined install does what Install's GORM transaction does, in few
// round trips, on a pgx connection of the admin pool:
//
//  1. BEGIN, the namespace's lock, lock_timeout, and every read the install
//     decides by (the namespace, the key, the models' digest, the roles,
//     the Canvas roles, the indexes, the catalog CheckExisting compares the
//     models with, the grants), all in one batch;
//  2. when the namespace is new or indexes are renamed: those statements
//     and the catalog again (CheckExisting must see the renamed indexes);
//  3. when anything is to be made (roles, tables, ...): those statements
//     and the grants again;
//  4. the missing grants, schema_version and its NOTIFY, and COMMIT.
//
// A re-install with unchanged models whose grants are in place takes steps
// 1 and 4: two round trips.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// nsStateSQL reads, in one query whatever exists: whether namespace $1
// exists (its key table), the access level of key digest $2 and the models
// digest schema_version records for plugin $3, each as query_to_xml's
// forest of rows of one column v (NULL when its table is missing).
const nsStateSQL = `SELECT json_build_object(
  'exists', EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1::text AND tablename = 'namespace_auth'),
  'level', CASE WHEN EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1::text AND tablename = 'namespace_auth')
    THEN query_to_xml(format('SELECT access_level AS v FROM %I.%I WHERE key_hash = %L', $1::text, 'namespace_auth', $2::text), false, true, '')::text END,
  'hash', CASE WHEN EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1::text AND tablename = 'schema_version')
    THEN query_to_xml(format('SELECT coalesce(models_hash, '''') AS v FROM %I.%I WHERE plugin_name = %L', $1::text, 'schema_version', $3::text), false, true, '')::text END)::text`

type nsState struct {
	Exists bool    `json:"exists"`
	Level  *string `json:"level"`
	Hash   *string `json:"hash"`
}

// xmlValues returns the v column of query_to_xml's forest of rows.
func xmlValues(forest *string) ([]string, error) {
	if forest == nil {
		return nil, nil
	}
	var doc struct {
		Rows []struct {
			V string `xml:"v"`
		} `xml:"row"`
	}
	if err := xml.Unmarshal([]byte("<rows>"+*forest+"</rows>"), &doc); err != nil {
		return nil, err
	}
	out := make([]string, len(doc.Rows))
	for i, r := range doc.Rows {
		out[i] = r.V
	}
	return out, nil
}

// installPlan is what Install has worked out before its transaction.
type installPlan struct {
	p        Plugin
	ns       string
	access   manifest.Access
	models   *custommodel.Models // read_write only
	ddl      []string
	renames  []custommodel.IndexRename
	supplied *Keys
	// made is the last attempt's Installation once it creates the
	// namespace, for createdAnyway.
	made *Installation
}

// installPipelined runs the install on a pgx connection of the admin pool.
// ok is false (and nothing was done) when the pool's connections are not
// pgx's, or the DSN asks for the simple protocol; the caller then runs the
// GORM transaction.
func (m *Manager) installPipelined(ctx context.Context, pl *installPlan) (inst *Installation, ok bool, err error) {
	pool, isPool := pgxconn.Pool(m.admin)
	if !isPool || m.connCfg.DefaultQueryExecMode == pgx.QueryExecModeSimpleProtocol {
		// A DSN that asks for the simple protocol gets it: the GORM
		// transaction keeps to it.
		return nil, false, nil
	}
	ok, err = pgxconn.With(ctx, pool, func(conn *pgx.Conn) error {
		var err error
		for attempt := 1; attempt <= lockAttempts; attempt++ {
			inst, err = m.installAttempt(ctx, conn.PgConn(), pl)
			if err == nil || !isLockFailure(err) || ctx.Err() != nil {
				break
			}
		}
		return err
	})
	if !ok {
		return nil, false, nil
	}
	if err != nil && m.createdAnyway(ctx, pl.made, err) {
		return pl.made, true, nil
	}
	if err != nil {
		return nil, true, m.lockTimeout(pl.ns, err)
	}
	return inst, true, nil
}

// createdAnyway reports whether an install that creates its namespace
// committed although its connection failed after the COMMIT was sent (the
// server's answer was lost, or the session was ended just after): then the
// keys it made are the namespace's, and returning the error would lose
// them. The keys' digests are random, so finding the read_write one is
// proof; a refusal by PostgreSQL (the transaction rolled back) is not
// looked into.
func (m *Manager) createdAnyway(ctx context.Context, inst *Installation, err error) bool {
	var pgErr *pgconn.PgError
	if inst == nil || !inst.Created || inst.Keys == nil || ctx.Err() != nil ||
		(errors.As(err, &pgErr) && !strings.HasPrefix(pgErr.Code, "57")) {
		return false
	}
	var found bool
	q := "SELECT EXISTS (SELECT 1 FROM " + sqlident.Quote(inst.Namespace, systables.NamespaceAuth) +
		" WHERE key_hash = $1 AND access_level = $2)"
	if m.admin.WithContext(ctx).Raw(q, hashKey(inst.Keys.ReadWrite), string(accessReadWrite)).Scan(&found).Error != nil {
		return false // no such schema: nothing was created
	}
	return found
}

// installAttempt is one transaction of installPipelined. It leaves no
// transaction open: on failure it rolls back, and closes conn where it
// cannot.
func (m *Manager) installAttempt(ctx context.Context, conn *pgconn.PgConn, pl *installPlan) (inst *Installation, err error) {
	defer func() {
		if conn.IsClosed() || conn.TxStatus() == 'I' {
			return
		}
		if _, rbErr := conn.Exec(ctx, "ROLLBACK").ReadAll(); rbErr != nil || conn.TxStatus() != 'I' {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
	}()
	p, ns, access := pl.p, pl.ns, pl.access
	rw := access == accessReadWrite
	inst = &Installation{Namespace: ns, Access: access}
	pp := &pipe{ctx: ctx, conn: conn, log: m.admin.Logger}
	if !m.cfg.TransactionPooler {
		// A pooler in transaction mode lends a session per transaction:
		// a statement prepared in one would be missing in the next.
		pp.prepared = preparedFor(conn)
	}

	// 1: the lock and every read.
	secret, key := installKey(p)
	pp.exec(stmt{sql: "BEGIN"})
	pp.exec(lockRowStmts("namespace:" + ns)...)
	pp.exec(stmt{sql: "SELECT set_config('lock_timeout', $1, true)", args: []any{fmt.Sprintf("%dms", m.cfg.LockWait.Milliseconds())}})
	var nsDoc []byte
	pp.readRaw(fmt.Sprintf("look up namespace %q", ns), &nsDoc, nsStateSQL, ns, hashKey(key), p.Name)
	var roles roleStates
	m.readRoleStates(pp, ns, &roles)
	var found []canvasRole
	m.readCanvasRoles(pp, &found)
	var member []sdkMember
	pp.read(fmt.Sprintf("check membership in role %q", m.cfg.SDKRole), &member, sdkMemberSQL, m.cfg.SDKRole)
	var (
		legacy  []legacyIndexes
		indexes []nsIndex
		catalog []byte
	)
	if rw {
		pp.read(fmt.Sprintf("look up indexes of namespace %q", ns), &legacy, legacyIndexesSQL, ns, systables.LegacyIndexes)
		if len(pl.renames) > 0 {
			pp.read(fmt.Sprintf("look up indexes of namespace %q", ns), &indexes, nsIndexesSQL, ns)
		}
		pp.readRaw(fmt.Sprintf("plugin %q: read the catalog of namespace %q", p.Name, ns), &catalog, custommodel.CatalogQuery, ns)
	}
	var gs grantState
	m.readGrantState(pp, ns, canvasRoles{}, &gs)
	if err := pp.flush(); err != nil {
		return nil, err
	}
	var st nsState
	if err := json.Unmarshal(nsDoc, &st); err != nil || len(gs.Base) != 1 {
		return nil, fmt.Errorf("customdata: look up namespace %q: no answer (%v)", ns, err)
	}
	levels, err := xmlValues(st.Level)
	if err != nil {
		return nil, fmt.Errorf("customdata: look up the keys of namespace %q: %w", ns, err)
	}
	hashes, err := xmlValues(st.Hash)
	if err != nil {
		return nil, fmt.Errorf("customdata: look up the models of namespace %q: %w", ns, err)
	}

	// 2: the namespace, its roles, and what the tables need first.
	var pre []stmt
	switch {
	case !st.Exists && !rw:
		return nil, errNotFound(p.Name, ns)
	case !st.Exists:
		keys := pl.supplied
		if keys == nil {
			keys = &Keys{Read: newKey(), ReadWrite: newKey()}
		}
		pre = append(pre, createNamespaceStmts(ns, keys, "created by the install of plugin "+p.Name)...)
		inst.Created, inst.Keys = true, keys
		pl.made = inst // kept should the answer to the COMMIT be lost (createdAnyway)
	default:
		if key == "" {
			return nil, errKeyMissing(p.Name, ns, secret)
		}
		var level manifest.Access
		if len(levels) > 0 {
			level = manifest.Access(levels[0])
		}
		if err := checkKeyLevel(p, ns, secret, level); err != nil {
			return nil, err
		}
		if rw && len(legacy) == 1 && legacy[0].Legacy {
			pre = append(pre, upgradeStmts(ns)...)
		}
	}
	rolePre, err := m.rolePlan(ns, &roles, gs.Base[0].DBName)
	if err != nil {
		return nil, err
	}
	pre = append(pre, rolePre...)
	canvas := m.canvasRolesOf(found)
	var recheck []sdkMember
	if canvas.sdk != "" && (len(member) != 1 || !member[0].Member) {
		// Before the DDL: the tables a Python plugin made belong to the
		// SDK role, and ALTER TABLE needs its privileges.
		pre = append(pre, sdkMembershipStmts(canvas.sdk)...)
		pp.exec(pre...)
		pre = nil
		pp.read(fmt.Sprintf("check membership in role %q", canvas.sdk), &recheck, sdkMemberSQL, canvas.sdk)
	}
	if rw && st.Exists {
		pre = append(pre, renamePlan(ns, pl.renames, indexes)...)
	}
	changed := len(pp.items) > 0
	if rw && (inst.Created || len(pre) > 0) {
		// CheckExisting must see the namespace as the DDL will.
		pp.exec(pre...)
		pre = nil
		pp.readRaw(fmt.Sprintf("plugin %q: read the catalog of namespace %q", p.Name, ns), &catalog, custommodel.CatalogQuery, ns)
		changed = true
	}
	if err := pp.flush(); err != nil {
		return nil, err
	}
	if recheck != nil && (len(recheck) != 1 || !recheck[0].Member) {
		return nil, errSDKNoInherit(canvas.sdk)
	}

	// 3: the tables.
	work := pre
	var digest string
	if rw {
		if err := pl.models.CheckCatalog(catalog); err != nil {
			return nil, fmt.Errorf("customdata: plugin %q: %w", p.Name, err)
		}
		digest = modelsDigest(pl.ddl)
		if len(hashes) != 1 || hashes[0] != digest {
			work = append(work, modelStmts(ns, p.Name, pl.ddl)...)
			inst.DDL = pl.ddl
		}
	}
	if changed || len(work) > 0 {
		pp.exec(work...)
		gs = grantState{}
		m.readGrantState(pp, ns, canvas, &gs)
		if err := pp.flush(); err != nil {
			return nil, err
		}
	}

	// 4: the grants, schema_version, COMMIT.
	grants, _, err := m.grantPlan(ns, &gs, canvas)
	if err != nil {
		return nil, err
	}
	pp.exec(grants...)
	if rw {
		pp.exec(markReadyStmts(ns, p.Name, digest)...)
	}
	pp.exec(stmt{sql: "COMMIT"})
	if err := pp.flush(); err != nil {
		return nil, err
	}
	if conn.TxStatus() != 'I' {
		return nil, fmt.Errorf("customdata: install into namespace %q: the transaction did not commit", ns)
	}
	return inst, nil
}

// lockTimeout wraps err as ErrLockTimeout when it is a lock failure that
// outlasted every attempt.
func (m *Manager) lockTimeout(ns string, err error) error {
	if err == nil || !isLockFailure(err) || errors.Is(err, ErrLockTimeout) {
		return err
	}
	return fmt.Errorf("customdata: namespace %q: %w (%d attempts of %s each; a session, maybe a plugin's open transaction, holds it): %w",
		ns, ErrLockTimeout, lockAttempts, m.cfg.LockWait, err)
}
