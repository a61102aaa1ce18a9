package namespace

import (
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

// HandleLimits are server-side limits on every session of a namespace's
// roles, set as the roles' own settings (ALTER ROLE ... SET), so they hold
// for every Manager and through a connection pooler. A zero field takes its
// default; a negative one sets no limit.
//
// A Manager keeps a stricter limit it finds on a role (another Manager's,
// configured so), except a timeout under one second other than its own:
// that it resets, as a plugin's. Managers that share a database should
// then agree on timeouts under a second, or they reset each other's.
//
// Plugin code may still change the three timeouts in its own session (SET
// statement_timeout = 0; PostgreSQL lets every role do that); a session so
// changed is never handed to other plugin code (see Handle). temp_file_limit
// is a superuser's setting: no plugin can change it, and only a superuser
// Manager can set it (otherwise it is left as the server has it).
type HandleLimits struct {
	// StatementTimeout cancels a statement running longer (SQLSTATE
	// 57014). Default 30 s.
	StatementTimeout time.Duration
	// LockTimeout makes a statement waiting longer for a lock fail
	// (SQLSTATE 55P03). Default 10 s.
	LockTimeout time.Duration
	// IdleInTransactionTimeout ends a session idle inside a transaction
	// for longer. Default 60 s.
	IdleInTransactionTimeout time.Duration
	// TempFileLimitKB bounds the temporary files one session may write, in
	// kilobytes. Default 1,048,576 (1 GiB).
	TempFileLimitKB int64
}

// Default limits of HandleLimits.
const (
	DefaultStatementTimeout         = 30 * time.Second
	DefaultLockTimeout              = 10 * time.Second
	DefaultIdleInTransactionTimeout = 60 * time.Second
	DefaultTempFileLimitKB          = 1 << 20
)

// withDefaults fills the zero fields.
func (l HandleLimits) withDefaults() HandleLimits {
	if l.StatementTimeout == 0 {
		l.StatementTimeout = DefaultStatementTimeout
	}
	if l.LockTimeout == 0 {
		l.LockTimeout = DefaultLockTimeout
	}
	if l.IdleInTransactionTimeout == 0 {
		l.IdleInTransactionTimeout = DefaultIdleInTransactionTimeout
	}
	if l.TempFileLimitKB == 0 {
		l.TempFileLimitKB = DefaultTempFileLimitKB
	}
	return l
}

// roleSettings returns the settings every namespace role carries, as
// PostgreSQL stores them (name=value, sorted): the limits that are set.
// superuser says whether the Manager may set temp_file_limit.
func (l HandleLimits) roleSettings(superuser bool) []string {
	var out []string
	ms := func(name string, d time.Duration) {
		if d > 0 {
			v := d.Milliseconds()
			if v == 0 {
				v = 1
			}
			out = append(out, name+"="+strconv.FormatInt(v, 10))
		}
	}
	ms("statement_timeout", l.StatementTimeout)
	ms("lock_timeout", l.LockTimeout)
	ms("idle_in_transaction_session_timeout", l.IdleInTransactionTimeout)
	if superuser && l.TempFileLimitKB > 0 {
		out = append(out, "temp_file_limit="+strconv.FormatInt(l.TempFileLimitKB, 10))
	}
	sort.Strings(out)
	return out
}

// applyRoleSettings resets every setting of role (for this database and
// all) and gives it the Manager's (m.roleSettings). A Manager that is no
// superuser cannot reset the settings only a superuser may set
// (temp_file_limit): they stay.
func (m *Manager) applyRoleSettings(tx *gorm.DB, role string) error {
	var db string
	if err := tx.Raw("SELECT current_database()").Scan(&db).Error; err != nil {
		return err
	}
	return execGorm(tx, m.roleSettingsStmts(role, db))
}

// roleSettingsStmts are applyRoleSettings' statements; db is the current
// database.
func (m *Manager) roleSettingsStmts(role, db string) []stmt {
	qr := sqlident.Quote(role)
	what := "set the limits of role " + role
	stmts := []stmt{
		{sql: "ALTER ROLE " + qr + " RESET ALL", what: what},
		{sql: "ALTER ROLE " + qr + " IN DATABASE " + sqlident.Quote(db) + " RESET ALL", what: what},
	}
	for _, s := range m.roleSettings {
		name, value := splitSetting(s)
		// value is a number this package formatted, name one of its own.
		stmts = append(stmts, stmt{sql: "ALTER ROLE " + qr + " SET " + name + " = " + value, what: what})
	}
	return stmts
}

func splitSetting(s string) (name, value string) {
	for i := range len(s) {
		if s[i] == '=' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// roleSettingsDiffer is the condition (on role name $1, the Manager's
// settings $2 as roleSettings returns them, and $3, whether the Manager is
// a superuser) that a role's stored settings do not suit the Manager:
//
//   - a setting for this database, or one for all databases other than the
//     limits, or a limit that is not a plain number (as this package writes
//     them), or looser than the Manager's (a timeout of 0 or longer, a
//     larger temp_file_limit);
//   - a limit of the Manager's missing.
//
// A limit at least as strict as the Manager's (another Manager's, say)
// suits it, so Managers with different HandleLimits do not reset each
// other's settings; but a timeout other than the Manager's own that is
// shorter than minForeignTimeoutMs is taken for a plugin's (ALTER ROLE
// CURRENT_USER SET lock_timeout = 1 would fail every later session's lock
// waits, for every plugin sharing the role) and does not suit it. A Manager that is no superuser ignores settings only a
// superuser may set (temp_file_limit): it could not reset them, and no
// plugin can set them.
// minForeignTimeoutMs is the shortest timeout, in milliseconds, that a
// Manager accepts on a role when it is not its own (see roleSettingsDiffer).
const minForeignTimeoutMs = "1000"

const roleSettingsDiffer = `(EXISTS (
  SELECT 1 FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) x,
    LATERAL (SELECT split_part(x, '=', 1) AS n, substr(x, strpos(x, '=') + 1) AS v) kv,
    LATERAL (SELECT (SELECT substr(w, strpos(w, '=') + 1)::bigint FROM unnest($2::text[]) w
                     WHERE split_part(w, '=', 1) = kv.n) AS own) mine
  WHERE s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
    AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
    AND ($3::bool OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_settings g
                                 WHERE g.name = kv.n AND g.context IN ('superuser', 'superuser-backend')))
    AND NOT (s.setdatabase = 0
      AND kv.n IN ('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'temp_file_limit')
      AND CASE WHEN kv.v ~ '^[0-9]{1,15}$'
          THEN kv.v::bigint = mine.own
            OR (kv.n = 'temp_file_limit' AND (mine.own IS NULL OR kv.v::bigint <= mine.own))
            OR (kv.n <> 'temp_file_limit' AND (mine.own IS NULL AND kv.v::bigint = 0
              OR kv.v::bigint >= ` + minForeignTimeoutMs + ` AND (mine.own IS NULL OR kv.v::bigint <= mine.own)))
          ELSE false END))
OR EXISTS (
  SELECT 1 FROM unnest($2::text[]) w
  WHERE NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) x
    WHERE s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) AND s.setdatabase = 0
      AND split_part(x, '=', 1) = split_part(w, '=', 1))))`

// connLimitSuits reports whether a role's CONNECTION LIMIT (-1: none) is
// at least as strict as want (-1: none), and lets a session in.
func connLimitSuits(have, want int) bool {
	return have == want || have > 0 && (want < 0 || have <= want)
}
