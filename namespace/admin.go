package namespace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/nscache"
	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// Summary describes one namespace, as List reports it.
type Summary struct {
	Name         string
	Tables       int   // all tables, system tables included
	CustomTables int   // the plugins' model tables
	RowEstimate  int64 // sum of the planner's row estimates (pg_class.reltuples)
	Keys         int   // keys in namespace_auth
}

// TableInfo describes one table of a namespace.
type TableInfo struct {
	Name        string
	System      bool  // one of the four system tables
	RowEstimate int64 // the planner's estimate (pg_class.reltuples), or the live-tuple count before the first ANALYZE
	Columns     []ColumnInfo
}

// ColumnInfo describes one column.
type ColumnInfo struct {
	Name     string
	Type     string // as format_type prints it, e.g. "numeric(20,10)"
	Nullable bool
}

// Inspection is the result of Inspect.
type Inspection struct {
	Name   string
	Tables []TableInfo
}

// Plan is what Reset or Drop did, or would do on a dry run.
type Plan struct {
	Namespace string
	// Statements are the SQL statements, in order.
	Statements []string
	// Applied is false for a dry run.
	Applied bool
}

// DestructiveOptions guard Reset and Drop: the zero value is a dry run.
type DestructiveOptions struct {
	// Apply carries the plan out. Without it nothing changes.
	Apply bool
}

// List returns every namespace in the database: schemas that follow the
// namespace rule and hold a namespace_auth table.
func (m *Manager) List(ctx context.Context) ([]Summary, error) {
	var names []string
	err := m.admin.WithContext(ctx).Raw(`SELECT schemaname FROM pg_tables WHERE tablename = 'namespace_auth' ORDER BY schemaname`).Scan(&names).Error
	if err != nil {
		return nil, fmt.Errorf("customdata: list namespaces: %w", err)
	}
	var out []Summary
	for _, n := range names {
		if manifest.ValidateNamespace(n) != nil {
			continue
		}
		in, err := m.Inspect(ctx, n)
		if err != nil {
			return nil, err
		}
		s := Summary{Name: n, Tables: len(in.Tables)}
		for _, t := range in.Tables {
			if !t.System {
				s.CustomTables++
			}
			s.RowEstimate += t.RowEstimate
		}
		if err := m.admin.WithContext(ctx).Raw("SELECT count(*) FROM " + sqlident.Quote(n, systables.NamespaceAuth)).Scan(&s.Keys).Error; err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Inspect returns the tables of a namespace with their columns, types and
// row estimates.
func (m *Manager) Inspect(ctx context.Context, name string) (*Inspection, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	db := m.admin.WithContext(ctx)
	if ok, err := schemaExists(db, name); err != nil {
		return nil, err
	} else if !ok {
		return nil, errNotFound("", name)
	}
	var rows []struct {
		Table    string
		Rows     int64
		Column   string
		Type     string
		Nullable bool
	}
	// reltuples is -1 until the table is first analyzed or vacuumed; the
	// statistics collector's live-tuple count stands in until then.
	err := db.Raw(`SELECT c.relname AS "table",
       (CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE coalesce(pg_stat_get_live_tuples(c.oid), 0) END)::bigint AS rows,
       a.attname AS "column", format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum`, name).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("customdata: inspect namespace %q: %w", name, err)
	}
	in := &Inspection{Name: name}
	for _, r := range rows {
		if len(in.Tables) == 0 || in.Tables[len(in.Tables)-1].Name != r.Table {
			in.Tables = append(in.Tables, TableInfo{Name: r.Table, System: isSystemTable(r.Table), RowEstimate: r.Rows})
		}
		t := &in.Tables[len(in.Tables)-1]
		t.Columns = append(t.Columns, ColumnInfo{Name: r.Column, Type: r.Type, Nullable: r.Nullable})
	}
	return in, nil
}

func isSystemTable(t string) bool {
	return slices.Contains([]string{systables.NamespaceAuth, systables.AttributeHub, systables.CustomAttribute, systables.SchemaVersion}, t)
}

// Reset drops the namespace's custom tables, empties its attribute tables
// and its schema_version, and keeps its keys and roles. The zero options are
// a dry run: the returned Plan says what would happen.
func (m *Manager) Reset(ctx context.Context, name string, opts DestructiveOptions) (*Plan, error) {
	return m.destroy(ctx, name, opts, func(tx *gorm.DB) ([]string, error) {
		in, err := m.Inspect(ctx, name)
		if err != nil {
			return nil, err
		}
		var stmts []string
		for _, t := range in.Tables {
			if !t.System {
				stmts = append(stmts, "DROP TABLE "+sqlident.Quote(name, t.Name)+" CASCADE")
			}
		}
		stmts = append(stmts, "TRUNCATE "+sqlident.Quote(name, systables.CustomAttribute)+", "+
			sqlident.Quote(name, systables.AttributeHub)+", "+sqlident.Quote(name, systables.SchemaVersion)+" RESTART IDENTITY")
		return stmts, nil
	})
}

// Drop removes the namespace: its schema with every table and row, its keys
// and its roles. The zero options are a dry run. Objects and privileges the
// roles hold in other databases of the server (a role may connect to them
// and run lo_create or ALTER DEFAULT PRIVILEGES there) are removed first
// (DROP OWNED BY in each, as the Manager's user); where that is not
// possible, Drop changes nothing and fails with ErrDropBlocked, naming the
// databases and the statement that clears them.
func (m *Manager) Drop(ctx context.Context, name string, opts DestructiveOptions) (*Plan, error) {
	reader, writer := m.roleNames(name)
	if opts.Apply && validateName(name) == nil {
		// What the roles left in other databases would make DROP ROLE
		// fail: removed first, or reported with the fix, before anything
		// here changes (this Manager's handles and the roles' sessions
		// included).
		if err := m.clearForeignDeps(ctx, name); err != nil {
			return nil, err
		}
		m.closePools(name, errDropped)
		m.endSessions(ctx, name) // no session outlives its role
	}
	plan, err := m.destroy(ctx, name, opts, func(tx *gorm.DB) ([]string, error) {
		stmts := []string{"DROP SCHEMA " + sqlident.Quote(name) + " CASCADE"}
		for _, r := range []string{reader, writer} {
			stmts = append(stmts, "DROP OWNED BY "+sqlident.Quote(r), "DROP ROLE "+sqlident.Quote(r))
		}
		return stmts, nil
	})
	if err == nil && plan.Applied {
		m.closePools(name, errDropped)
		nscache.Forget(name) // statements built for it, in this process
	}
	return plan, err
}

// destroy plans (and with opts.Apply runs) a destructive change under the
// namespace's lock, in one transaction.
func (m *Manager) destroy(ctx context.Context, name string, opts DestructiveOptions, planFn func(tx *gorm.DB) ([]string, error)) (*Plan, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	plan := &Plan{Namespace: name}
	err := m.lockedTx(ctx, m.admin, name, func(tx *gorm.DB) error {
		*plan = Plan{Namespace: name} // a retried attempt starts afresh
		if ok, err := schemaExists(tx, name); err != nil {
			return err
		} else if !ok {
			return errNotFound("", name)
		}
		stmts, err := planFn(tx)
		if err != nil {
			return err
		}
		plan.Statements = stmts
		if !opts.Apply {
			return nil
		}

		dropsRoles := false
		for _, s := range stmts {
			if strings.HasPrefix(s, "DROP OWNED BY ") || strings.HasPrefix(s, "DROP ROLE ") {
				dropsRoles = true // done below, only for roles that exist
				continue
			}
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("customdata: %s: %w", s, err)
			}
		}
		if dropsRoles {
			if err := m.dropRoles(tx, name); err != nil {
				return err
			}
		}
		plan.Applied = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// closePools closes this Manager's pools of a namespace; handles that hold
// them get ErrHandleClosed, with why. What Open remembers of the
// namespace's keys goes too.
func (m *Manager) closePools(ns string, why error) {
	m.keys.forget(ns)
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, p := range m.pools {
		if k.ns == ns {
			delete(m.pools, k)
			_ = retire(p, why)
		}
	}
}

// AddKey makes one more key of the given level for the namespace and
// returns it (once: only its digest is stored).
func (m *Manager) AddKey(ctx context.Context, name string, level manifest.Access, description string) (string, error) {
	if level != accessRead && level != accessReadWrite {
		return "", fmt.Errorf("customdata: %w: access level %q; want %q or %q", ErrInvalidPlugin, level, accessRead, accessReadWrite)
	}
	key := newKey()
	err := m.keyChange(ctx, name, func(tx *gorm.DB) error {
		return insertKey(tx, name, key, level, description)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// RotateKeys replaces every key of the namespace with a fresh pair and
// returns it. Plugins holding an old key are refused from then on (by
// other Managers once their Config.KeyCacheTTL has passed), and what an
// old key gave access to goes too: the namespace's roles get new
// passwords, their sessions are ended (where the admin user may signal
// them) and this Manager's handles of the namespace are closed.
func (m *Manager) RotateKeys(ctx context.Context, name string) (*Keys, error) {
	keys := &Keys{Read: newKey(), ReadWrite: newKey()}
	err := m.keyChange(ctx, name, func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM " + sqlident.Quote(name, systables.NamespaceAuth)).Error; err != nil {
			return err
		}
		if err := insertKey(tx, name, keys.Read, accessRead, "rotated"); err != nil {
			return err
		}
		if err := insertKey(tx, name, keys.ReadWrite, accessReadWrite, "rotated"); err != nil {
			return err
		}
		if err := m.ensureRoles(tx, name); err != nil {
			return err
		}
		reader, writer := m.roleNames(name)
		for _, r := range []struct{ role, access string }{{reader, string(accessRead)}, {writer, string(accessReadWrite)}} {
			if _, err := m.setRolePassword(tx, r.role, name, r.access, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.closePools(name, errRotated)
	m.endSessions(ctx, name)
	return keys, nil
}

var (
	errDropped = errors.New("the namespace was dropped")
	errRotated = errors.New("the namespace's keys were rotated; open it again with a new key")
)

// endSessions ends the database sessions of the namespace's roles, best
// effort: it needs a superuser or membership in pg_signal_backend.
func (m *Manager) endSessions(ctx context.Context, name string) {
	reader, writer := m.roleNames(name)
	m.admin.WithContext(ctx).Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE usename = ANY($1) AND pid <> pg_backend_pid()`, []string{reader, writer})
}

func (m *Manager) keyChange(ctx context.Context, name string, fn func(tx *gorm.DB) error) error {
	if err := validateName(name); err != nil {
		return err
	}
	return m.lockedTx(ctx, m.admin, name, func(tx *gorm.DB) error {
		if ok, err := schemaExists(tx, name); err != nil {
			return err
		} else if !ok {
			return errNotFound("", name)
		}
		return fn(tx)
	})
}

// Uninstall forgets a plugin's install: its schema_version row goes, so the
// next install of the plugin runs its DDL again. The namespace, its tables,
// rows, keys and roles stay (as in Canvas, uninstalling keeps the data); use
// Drop to remove them.
func (m *Manager) Uninstall(ctx context.Context, name, plugin string) error {
	return m.keyChange(ctx, name, func(tx *gorm.DB) error {
		return tx.Exec("DELETE FROM "+sqlident.Quote(name, systables.SchemaVersion)+" WHERE plugin_name = $1", plugin).Error
	})
}

// DropOrphanRoles removes the login roles that no namespace needs any more:
// those made for databases that no longer exist on the server (a database
// dropped with its namespaces inside), and those of this database whose
// namespace's schema was dropped without Drop. It returns the roles it
// dropped.
func (m *Manager) DropOrphanRoles(ctx context.Context) ([]string, error) {
	var dropped []string
	err := m.admin.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var gone []string
		err := tx.Raw(`SELECT rolname FROM pg_roles
WHERE rolname ~ ('^' || $1 || $2)
  AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE starts_with(rolname, $1 || d.oid || '_'))
ORDER BY rolname`, pgrole.Prefix, pgrole.Pattern).Scan(&gone).Error
		if err != nil {
			return fmt.Errorf("customdata: list orphan roles: %w", err)
		}
		for _, r := range gone {
			if err := tx.Exec("DROP ROLE IF EXISTS " + sqlident.Quote(r)).Error; err != nil {
				return fmt.Errorf("customdata: drop orphan role %s: %w", r, err)
			}
		}
		dropped = append(dropped, gone...)

		var namespaces []string
		err = tx.Raw(`SELECT DISTINCT namespace FROM ` + sqlident.Quote(adminSchema, credentialTable) + ` c
WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = c.namespace) ORDER BY namespace`).Scan(&namespaces).Error
		if err != nil {
			return fmt.Errorf("customdata: list orphan roles: %w", err)
		}
		for _, ns := range namespaces {
			if err := namespaceLock(tx, ns); err != nil {
				return err
			}
			if err := m.dropRoles(tx, ns); err != nil {
				return err
			}
			reader, writer := m.roleNames(ns)
			dropped = append(dropped, reader, writer)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}
