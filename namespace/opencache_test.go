package namespace_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgproxy"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// byteProxy counts the bytes clients send through a proxy to the server: a
// Manager behind it that sends nothing makes no round trip.
type byteProxy struct{ sent atomic.Int64 }

// newByteProxy starts a proxy to dsn's server and returns it with dsn
// pointed at it.
func newByteProxy(t *testing.T, dsn string) (*byteProxy, string) {
	t.Helper()
	bp := &byteProxy{}
	p, err := pgproxy.Start(dsn, func() pgproxy.Hooks {
		return pgproxy.Hooks{FromClient: func(b []byte) { bp.sent.Add(int64(len(b))) }}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return bp, p.DSN()
}

// Sent returns the bytes clients have sent so far.
func (p *byteProxy) Sent() int64 { return p.sent.Load() }

func TestOpenOfHeldPoolSendsNothing(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__opencache")
	for _, c := range []struct {
		name   string
		ttl    time.Duration
		silent bool
	}{
		{"cached (default TTL)", 0, true},
		{"cache off", -1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, dsn := newByteProxy(t, d.DSN)
			pm, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: dsn, KeyCacheTTL: c.ttl})
			require.NoError(t, err)
			t.Cleanup(func() { _ = pm.Close() })

			for _, key := range []string{keys.ReadWrite, keys.Read} {
				held, err := pm.Open(ctx, "acme__opencache", key)
				require.NoError(t, err)
				before := p.Sent()
				for range 20 {
					h, err := pm.Open(ctx, "acme__opencache", key)
					require.NoError(t, err)
					assert.Equal(t, held.Access(), h.Access())
					require.NoError(t, h.Close())
				}
				if c.silent {
					assert.Equal(t, before, p.Sent(), "Open of a held pool sends nothing")
				} else {
					assert.Greater(t, p.Sent(), before, "every Open checks its key")
				}
				require.NoError(t, held.Close())
			}
		})
	}
}

// A key rotated by another Manager opens no handle once KeyCacheTTL has
// passed; rotated (or the namespace dropped) by this Manager, at once.
func TestOpenRefusesChangedKeys(t *testing.T) {
	t.Parallel()
	const ttl = 300 * time.Millisecond
	m, d := newManager(t)
	keys := create(t, m, "acme__revoke")
	other, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: d.DSN, KeyCacheTTL: ttl})
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	held, err := other.Open(ctx, "acme__revoke", keys.ReadWrite)
	require.NoError(t, err)
	defer held.Close()

	fresh, err := m.RotateKeys(ctx, "acme__revoke")
	require.NoError(t, err)
	rotated := time.Now()
	// Within the TTL the cached key may still open a handle (on a pool
	// whose sessions the rotation ended); after it, never.
	time.Sleep(time.Until(rotated.Add(ttl)))
	_, err = other.Open(ctx, "acme__revoke", keys.ReadWrite)
	assert.ErrorIs(t, err, namespace.ErrKeyInvalid, "refused after KeyCacheTTL")
	h, err := other.Open(ctx, "acme__revoke", fresh.ReadWrite)
	require.NoError(t, err)
	require.NoError(t, h.Close())

	// This Manager's own changes: at once, even with a TTL of an hour.
	mine, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: d.DSN, KeyCacheTTL: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mine.Close() })
	h, err = mine.Open(ctx, "acme__revoke", fresh.Read)
	require.NoError(t, err)
	defer h.Close()
	newer, err := mine.RotateKeys(ctx, "acme__revoke")
	require.NoError(t, err)
	_, err = mine.Open(ctx, "acme__revoke", fresh.Read)
	assert.ErrorIs(t, err, namespace.ErrKeyInvalid, "rotated by this Manager: refused at once")
	h2, err := mine.Open(ctx, "acme__revoke", newer.Read)
	require.NoError(t, err)
	defer h2.Close()
	_, err = mine.Drop(ctx, "acme__revoke", namespace.DestructiveOptions{Apply: true})
	require.NoError(t, err)
	_, err = mine.Open(ctx, "acme__revoke", newer.Read)
	assert.ErrorIs(t, err, namespace.ErrNamespaceNotFound, "dropped by this Manager: refused at once")
}

// A plugin that opens and closes a handle per event: the Manager keeps the
// pool after the last handle closes, so the next Open sends nothing (within
// KeyCacheTTL) and its call reuses the open connection (no new login).
// With PoolIdleTimeout negative (idle connections kept), the pool closes
// with its last handle, as the connections would otherwise stay forever.
func TestOpenAfterTheLastHandleClosedReusesThePool(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	keys := create(t, m, "acme__reopen")
	for _, c := range []struct {
		name string
		idle time.Duration
		kept bool
	}{
		{"default idle timeout", 0, true},
		{"idle connections kept", -1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, dsn := newByteProxy(t, d.DSN)
			pm, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: dsn, PoolIdleTimeout: c.idle})
			require.NoError(t, err)
			t.Cleanup(func() { _ = pm.Close() })

			pid := func() int {
				h, err := pm.Open(ctx, "acme__reopen", keys.ReadWrite)
				require.NoError(t, err)
				defer func() { require.NoError(t, h.Close()) }()
				var pid int
				require.NoError(t, h.DB(ctx).Raw("SELECT pg_backend_pid()").Scan(&pid).Error)
				return pid
			}
			first := pid()
			before := p.Sent()
			h, err := pm.Open(ctx, "acme__reopen", keys.ReadWrite)
			require.NoError(t, err)
			opened := p.Sent()
			require.NoError(t, h.Close())
			again := pid()
			if c.kept {
				assert.Equal(t, before, opened, "Open after the last handle closed sends nothing")
				assert.Equal(t, first, again, "the next call reuses the pool's connection")
			} else {
				assert.Greater(t, opened, before, "the pool closed with its last handle: Open checks and opens again")
				assert.NotEqual(t, first, again, "a new connection")
			}
		})
	}
}
