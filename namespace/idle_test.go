package namespace_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// Namespaces opened once and then idle hold no server connection after
// Config.PoolIdleTimeout, and the next call reconnects transparently; with
// idle connections kept (a negative timeout) they stay.
func TestIdlePoolsShrinkToZero(t *testing.T) {
	t.Parallel()
	const n = 8
	m, d := newManager(t)
	keys := make([]string, n)
	for i := range n {
		keys[i] = create(t, m, fmt.Sprintf("acme__idle%d", i)).ReadWrite
	}
	sessions := func() int {
		var c int
		require.NoError(t, m.DB().Raw("SELECT count(*) FROM pg_stat_activity WHERE starts_with(usename, $1)",
			pgrole.DatabasePrefix(d.OID)).Scan(&c).Error)
		return c
	}
	// settle waits up to within for want sessions and returns the count.
	settle := func(want int, within time.Duration) int {
		deadline := time.Now().Add(within)
		got := sessions()
		for got != want && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			got = sessions()
		}
		return got
	}
	for _, c := range []struct {
		name    string
		timeout time.Duration
		want    int // sessions after idling
	}{
		{"idle timeout", 200 * time.Millisecond, 0},
		{"kept", -1, n},
	} {
		t.Run(c.name, func(t *testing.T) {
			im, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: d.DSN, PoolIdleTimeout: c.timeout})
			require.NoError(t, err)
			defer im.Close()
			hs := make([]*namespace.Handle, n)
			for i := range n {
				hs[i], err = im.Open(ctx, fmt.Sprintf("acme__idle%d", i), keys[i])
				require.NoError(t, err)
				defer hs[i].Close()
				require.NoError(t, hs[i].DB(ctx).Exec("SELECT 1").Error)
			}
			if c.timeout > 0 {
				// The first ones may have idled out already on a slow machine.
				require.Positive(t, sessions(), "sessions while in use")
			} else {
				// (Sessions of the previous case may take a moment to end.)
				require.Equal(t, n, settle(n, 2*time.Second), "one session per namespace while in use")
			}
			// The pools look for idle connections about once a second.
			assert.Equal(t, c.want, settle(c.want, 3*time.Second))
			time.Sleep(300 * time.Millisecond)
			assert.Equal(t, c.want, sessions(), "and stay so")
			for i, h := range hs {
				var one int
				assert.NoError(t, h.DB(ctx).Raw("SELECT 1").Scan(&one).Error, "namespace %d: the call after idling", i)
				assert.Equal(t, 1, one)
			}
			assert.Positive(t, sessions(), "reconnected")
			require.NoError(t, im.Close())
		})
	}
}
