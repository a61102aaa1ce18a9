package namespace

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// ErrDropBlocked is the error of a Drop whose roles still own objects, or
// hold privileges, in other databases of the server, which this Manager
// could not remove. Its message names the databases and the statement that
// clears them, and the databases where it already ran; nothing in the
// Manager's database was dropped, and the namespace's handles and sessions
// were left alone.
var ErrDropBlocked = errors.New("the namespace's roles own objects in other databases")

// foreignDeps returns, by database name, how many objects or privileges
// the roles of ns have in databases other than this one (pg_shdepend):
// what a role can leave behind by connecting elsewhere (PUBLIC may connect
// to every database by default) and running lo_create or ALTER DEFAULT
// PRIVILEGES there. DROP ROLE fails on them (2BP01).
func (m *Manager) foreignDeps(ctx context.Context, ns string) (map[string]int, error) {
	reader, writer := m.roleNames(ns)
	var rows []struct {
		Datname string
		N       int
	}
	err := m.admin.WithContext(ctx).Raw(`SELECT d.datname, count(*) AS n
FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
WHERE s.refclassid = 'pg_authid'::regclass
  AND s.refobjid IN (SELECT oid FROM pg_roles WHERE rolname IN ($1, $2))
  AND d.datname <> current_database()
GROUP BY d.datname ORDER BY d.datname`, reader, writer).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("customdata: namespace %q: look up its roles' objects in other databases: %w", ns, err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Datname] = r.N
	}
	return out, nil
}

// clearForeignDeps removes what the roles of ns left in other databases
// (DROP OWNED BY there, as the Manager's user), so that Drop can drop the
// roles. What it cannot remove (no CONNECT there, or a user without the
// roles' privileges) makes an ErrDropBlocked error that says how to clear
// it by hand.
func (m *Manager) clearForeignDeps(ctx context.Context, ns string) error {
	deps, err := m.foreignDeps(ctx, ns)
	if err != nil || len(deps) == 0 {
		return err
	}
	reader, writer := m.roleNames(ns)
	stmt := "DROP OWNED BY " + sqlident.Quote(reader) + ", " + sqlident.Quote(writer)
	dbs := make([]string, 0, len(deps))
	for db := range deps {
		dbs = append(dbs, db)
	}
	sort.Strings(dbs)
	var failed, cleared []string
	for _, db := range dbs {
		if err := m.dropOwnedIn(ctx, db, stmt); err != nil {
			failed = append(failed, fmt.Sprintf("database %q (%d objects or privileges): %v", db, deps[db], err))
		} else {
			cleared = append(cleared, fmt.Sprintf("%q", db))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	done := "Nothing in this database was dropped"
	if len(cleared) > 0 {
		done += "; what the roles had in database(s) " + strings.Join(cleared, ", ") + " was removed (" + stmt + " ran there)"
	}
	return fmt.Errorf("customdata: namespace %q: %w, which this Manager could not remove: %s. %s. To clear the rest, connect to each database named above as a superuser and run: %s; then run Drop again",
		ns, ErrDropBlocked, strings.Join(failed, "; "), done, stmt)
}

// dropOwnedIn runs stmt in database db of the same server, as the
// Manager's user.
func (m *Manager) dropOwnedIn(ctx context.Context, db, stmt string) error {
	cfg := m.connCfg.Copy()
	cfg.Database = db
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, stmt)
	return err
}
