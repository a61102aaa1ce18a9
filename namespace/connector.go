package namespace

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
)

// roleConnector is the database/sql connector of a handle pool: every new
// connection logs in as the namespace role, and is checked for what plugin
// SQL could have done to the role itself, which PostgreSQL lets any role do:
//
//   - ALTER ROLE CURRENT_USER PASSWORD ...: the login fails (28P01). The
//     connector re-reads the stored password (another Manager may have reset
//     it), else resets it, and logs in again. A new password may also mean
//     the keys were rotated (by this or another Manager): the connector then
//     first checks that a key its handles were opened with is still valid,
//     and refuses with ErrKeyInvalid if none is;
//   - ALTER ROLE CURRENT_USER SET ... (statement_timeout=1ms,
//     default_transaction_read_only=on, ...): every later session of the role
//     would start with it. The connector finds such settings, has the admin
//     reset them, and logs in again.
//
// It costs one query per new connection (on the admin connection), none
// per statement.
type roleConnector struct {
	m    *Manager
	k    poolKey
	role string

	mu       sync.Mutex
	password string
	keys     []string // digests of the keys handles of this pool were opened with
}

// vouch records the digest of a key a handle of this pool was opened with.
func (c *roleConnector) vouch(digest string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.keys {
		if k == digest {
			return
		}
	}
	c.keys = append(c.keys, digest)
}

// Driver implements driver.Connector.
func (c *roleConnector) Driver() driver.Driver { return stdlib.GetDefaultDriver() }

// Connect implements driver.Connector.
func (c *roleConnector) Connect(ctx context.Context) (driver.Conn, error) {
	const attempts = 3
	var lastErr error
	for range attempts {
		conn, err := c.dial(ctx)
		if isAuthFailure(err) {
			lastErr = err
			if err := c.refreshPassword(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		tainted, err := c.m.roleHasSettings(ctx, c.role)
		if err == nil && !tainted {
			if sc, ok := conn.(*stdlib.Conn); ok && !c.m.noSessionGuard {
				rememberSession(sc.Conn())
			}
			return conn, nil
		}
		_ = conn.Close()
		// A check that failed (an error of the admin connection) counts as
		// tainted too: the reset then runs on that connection and reports
		// the error if it persists. The check needs nothing of the new
		// session: a timeout too short for any statement (1 ms) is under
		// minForeignTimeoutMs, and so does not suit it.
		lastErr = err
		if err == nil {
			lastErr = fmt.Errorf("role %s has settings of its own", c.role)
		}
		if err := c.m.resetRoleSettings(ctx, c.k.ns, c.role); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("customdata: connect to namespace %q as its %s role: gave up after %d attempts: %w", c.k.ns, c.k.access, attempts, lastErr)
}

func (c *roleConnector) dial(ctx context.Context) (driver.Conn, error) {
	cfg := c.m.connCfg.Copy()
	c.mu.Lock()
	cfg.User, cfg.Password = c.role, c.password
	c.mu.Unlock()
	if !c.m.noSessionGuard {
		cfg.Tracer = sessionGuard{}
	}
	return c.m.dial(ctx, cfg)
}

// refreshPassword takes the stored password if it differs from the one that
// failed (another Manager reset it), else resets it.
func (c *roleConnector) refreshPassword(ctx context.Context) error {
	c.mu.Lock()
	failed, keys := c.password, append([]string(nil), c.keys...)
	c.mu.Unlock()
	if len(keys) > 0 {
		valid, err := c.m.anyKeyValid(ctx, c.k, keys)
		if err != nil {
			return fmt.Errorf("customdata: namespace %q: check the handles' keys: %w", c.k.ns, err)
		}
		if !valid {
			return &AccessError{Kind: ErrKeyInvalid, Namespace: c.k.ns,
				Msg: fmt.Sprintf("the key this handle of custom data namespace %q was opened with is no longer valid (the keys were rotated); open the namespace again with a current key", c.k.ns)}
		}
	}
	pw, err := c.m.rolePassword(ctx, c.k, false)
	if err == nil && pw == failed {
		pw, err = c.m.rolePassword(ctx, c.k, true)
	}
	if err != nil {
		return fmt.Errorf("customdata: namespace %q: renew the %s role's password: %w", c.k.ns, c.k.access, err)
	}
	c.mu.Lock()
	c.password = pw
	c.mu.Unlock()
	return nil
}

// dialPgx opens one connection with cfg: the Manager's default dial.
func dialPgx(ctx context.Context, cfg *pgx.ConnConfig) (driver.Conn, error) {
	return stdlib.GetConnector(*cfg, stdlib.OptionResetSession(resetSession)).Connect(ctx)
}

func isAuthFailure(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "28P01"
}

// roleHasSettings reports whether role carries settings that do not suit
// the Manager (see roleSettingsDiffer). It asks on the admin connection,
// after the new session has started (so the settings that session started
// with are the ones read, or newer ones): the admin's session has the
// catalog cached, where the new session's first statement would pay for
// loading it (about 10 ms on a small machine, against well under one).
func (m *Manager) roleHasSettings(ctx context.Context, role string) (bool, error) {
	var tainted bool
	err := m.admin.WithContext(ctx).Raw(`SELECT `+roleSettingsDiffer, role, m.roleSettings, m.superuser).Row().Scan(&tainted)
	return tainted, err
}

// resetRoleSettings removes the settings a role gave itself and gives it
// the Manager's.
func (m *Manager) resetRoleSettings(ctx context.Context, ns, role string) error {
	err := m.lockedTx(ctx, m.admin, ns, func(tx *gorm.DB) error {
		return m.applyRoleSettings(tx, role)
	})
	if err != nil {
		return fmt.Errorf("customdata: namespace %q: reset the settings of role %s: %w", ns, role, err)
	}
	return nil
}

// anyKeyValid reports whether one of the key digests still grants k's level.
func (m *Manager) anyKeyValid(ctx context.Context, k poolKey, digests []string) (bool, error) {
	var ok bool
	err := m.admin.WithContext(ctx).Raw("SELECT EXISTS (SELECT 1 FROM "+sqlident.Quote(k.ns, systables.NamespaceAuth)+
		" WHERE key_hash = ANY($1) AND access_level = $2)", digests, string(k.access)).Scan(&ok).Error
	return ok, err
}
