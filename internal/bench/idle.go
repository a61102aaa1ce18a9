package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// The idle-namespaces row: many namespaces opened once, then idle, must
// hold no server connection (a handle pool's minimum is zero) once
// namespace.Config.PoolIdleTimeout has passed, and the next call must
// reconnect.
const (
	idleNamespaces      = 1000 // in a full run
	idleNamespacesQuick = 20   // when the round time is under 50 ms (-quick, with -only)
	// idleCap: when the namespaces' sessions reach it, the run waits for
	// their connections to close before it opens more: the server's
	// max_connections (100 by default, shared) could not hold one of each.
	idleCap     = 20
	idleTimeout = 200 * time.Millisecond
	// idleSample handles make a call after idling (each a reconnect).
	idleSample = 10
)

// idleOps is the row "N idle namespaces", made only when -only selects
// operations (-only idle -rounds 1 runs it alone): one call (single) opens N
// namespaces with a Manager whose PoolIdleTimeout is idleTimeout, uses
// each once, waits, and fails unless no session of their roles is left;
// then a sample of them makes a call (each reconnecting). The figures go
// to the log: peak sessions, sessions left, and the reconnecting call's
// median time.
func idleOps(cfg Config) []operation {
	if cfg.Only == nil {
		return nil // minutes of installs: the row runs only when -only asks for it
	}
	n := idleNamespaces
	if cfg.RoundTime < 50*time.Millisecond {
		n = idleNamespacesQuick
	}
	var keys []string
	names := make([]string, n)
	for i := range names {
		names[i] = "bench__idle" + strconv.Itoa(i)
	}
	return []operation{{
		name: fmt.Sprintf("%d idle namespaces", n), group: "handle", single: true,
		setup: func(ctx context.Context, e *env) error {
			if keys != nil {
				return nil
			}
			e.cfg.logf("bench: installing %d namespaces", n)
			keys = make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			next := make(chan int)
			for range 4 {
				wg.Go(func() {
					for i := range next {
						inst, err := installPlugin(ctx, e.direct.mgr, names[i], 1, "")
						if err == nil {
							keys[i] = inst.Keys.ReadWrite
						}
						errs[i] = err
					}
				})
			}
			for i := range n {
				next <- i
			}
			close(next)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					keys = nil
					return fmt.Errorf("bench: install %s: %w", names[i], err)
				}
			}
			return nil
		},
		variants: []variant{{vSDK, func(ctx context.Context, e *env, c *clients, _, _ int) error {
			return idleRun(ctx, e, c, names, keys)
		}}},
	}}
}

// idleRun is one call of the idle row's sdk variant.
func idleRun(ctx context.Context, e *env, c *clients, names, keys []string) error {
	dsn := e.db.DSN
	if c == e.count {
		var err error
		if dsn, err = e.proxy.DSN(dsn); err != nil {
			return err
		}
	}
	mgr, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: dsn, MaxConnsPerPool: e.cfg.Pool, PoolIdleTimeout: idleTimeout})
	if err != nil {
		return err
	}
	defer mgr.Close()
	roles := make([]string, 0, 2*len(names))
	for _, ns := range names {
		roles = append(roles, pgrole.Name(e.db.OID, ns, "read"), pgrole.Name(e.db.OID, ns, "read_write"))
	}
	// sessions counts the server sessions of the namespaces' roles.
	sessions := func() (int, error) {
		var n int
		err := e.db.DB.WithContext(ctx).Raw("SELECT count(*) FROM pg_stat_activity WHERE usename = ANY($1)", roles).Scan(&n).Error
		return n, err
	}
	// settle waits (up to 5 s) for the sessions to drop to zero.
	settle := func() (int, error) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, err := sessions()
			if err != nil || n == 0 || time.Now().After(deadline) {
				return n, err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	use := func(h *namespace.Handle) error {
		var one int
		return h.DB(ctx).Raw("SELECT 1").Scan(&one).Error
	}
	hs := make([]*namespace.Handle, 0, len(names))
	defer func() {
		for _, h := range hs {
			_ = h.Close()
		}
	}()
	peak := 0
	for i := range names {
		// The server is shared: where its connections run out (53300),
		// wait for some to end and try again, for a while.
		var h *namespace.Handle
		for attempt := 0; ; attempt++ {
			h, err = mgr.Open(ctx, names[i], keys[i])
			if err == nil {
				hs = append(hs, h)
				err = use(h)
			}
			var pgErr *pgconn.PgError
			if err == nil || attempt == 20 || !errors.As(err, &pgErr) || pgErr.Code != "53300" {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
		if (i+1)%5 == 0 {
			n, err := sessions()
			if err != nil {
				return err
			}
			peak = max(peak, n)
			if n >= idleCap {
				if _, err := settle(); err != nil {
					return err
				}
			}
		}
	}
	// All open, all idle: wait past the timeout and the pools' check.
	time.Sleep(idleTimeout + 1200*time.Millisecond)
	left, err := sessions()
	if err != nil {
		return err
	}
	if left > 0 {
		return fmt.Errorf("%d namespaces opened once and idle for %s hold %d sessions, want 0", len(names), idleTimeout+1200*time.Millisecond, left)
	}
	var lat []time.Duration
	for i := 0; i < len(hs) && len(lat) < idleSample; i += max(1, len(hs)/idleSample) {
		t0 := time.Now()
		if err := use(hs[i]); err != nil {
			return fmt.Errorf("%s: the call after idling: %w", names[i], err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	e.cfg.logf("bench: %d namespaces opened once (pausing at %d sessions) peaked at %d sessions and held %d after idling %s; the first call after idling (a reconnect) took %s (median of %d)",
		len(names), idleCap, peak, left, idleTimeout+1200*time.Millisecond, lat[len(lat)/2].Round(10*time.Microsecond), len(lat))
	return nil
}
