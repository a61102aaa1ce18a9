package testdb

import (
	"context"
	"fmt"
	"sync"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// open lists the databases this process made and has not dropped yet:
// DropKept leaves them alone.
var open sync.Map // name -> struct{}

// DropKept removes what failed tests left on the server: every database
// named customdata_t_* that this process is not using (a failed test keeps
// its database for inspection), and every role made for namespaces of a
// database that no longer exists. It returns the names it dropped. Run it
// when no other test process uses the server: their databases are named
// the same way.
func DropKept(ctx context.Context) ([]string, error) {
	srv, err := server(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := srv.DB.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname ~ '^customdata_t_[0-9a-f]+$' ORDER BY datname`)
	if err != nil {
		return nil, fmt.Errorf("testdb: list kept databases: %w", err)
	}
	var dbs []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		if _, mine := open.Load(n); !mine {
			dbs = append(dbs, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var dropped []string
	for _, n := range dbs {
		if _, err := srv.DB.ExecContext(ctx, "DROP DATABASE IF EXISTS "+sqlident.Quote(n)+" WITH (FORCE)"); err != nil {
			return dropped, fmt.Errorf("testdb: drop kept database %q: %w", n, err)
		}
		dropped = append(dropped, n)
	}
	roles, err := srv.DB.QueryContext(ctx, `SELECT rolname FROM pg_roles r
WHERE rolname ~ ('^' || $1 || $2)
  AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE starts_with(r.rolname, $1 || d.oid || '_'))
ORDER BY rolname`, pgrole.Prefix, pgrole.Pattern)
	if err != nil {
		return dropped, fmt.Errorf("testdb: list orphan roles: %w", err)
	}
	var orphans []string
	for roles.Next() {
		var r string
		if err := roles.Scan(&r); err != nil {
			roles.Close()
			return dropped, err
		}
		orphans = append(orphans, r)
	}
	roles.Close()
	if err := roles.Err(); err != nil {
		return dropped, err
	}
	for _, r := range orphans {
		if _, err := srv.DB.ExecContext(ctx, "DROP ROLE IF EXISTS "+sqlident.Quote(r)); err != nil {
			return dropped, fmt.Errorf("testdb: drop role %q: %w", r, err)
		}
		dropped = append(dropped, r)
	}
	return dropped, nil
}
