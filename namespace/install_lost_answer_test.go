package namespace_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgproxy"
	"github.com/canvas-sdk-go/customdata/namespace"
)

func fatal57P01() []byte {
	var body bytes.Buffer
	for _, f := range [][2]string{{"S", "FATAL"}, {"V", "FATAL"}, {"C", "57P01"}, {"M", "terminating connection due to administrator command"}} {
		body.WriteString(f[0] + f[1])
		body.WriteByte(0)
	}
	body.WriteByte(0)
	msg := []byte{'E', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], uint32(body.Len()+4))
	return append(msg, body.Bytes()...)
}

// TestInstallWhoseCommitAnswerWasLost: a first install commits, and its
// session is then ended before the answer arrives. The install finds its
// own key in the namespace and returns the keys it made, which would
// otherwise be lost with the namespace already created.
func TestInstallWhoseCommitAnswerWasLost(t *testing.T) {
	t.Parallel()
	_, d := newManager(t)
	// Armed, the proxy lets the next client write that holds a COMMIT reach
	// the server, then, instead of the server's answer, sends what
	// pg_terminate_backend sends (a FATAL 57P01) and closes the connection:
	// the install committed, the client hears that its session ended.
	var armed atomic.Bool
	p, err := pgproxy.Start(d.DSN, func() pgproxy.Hooks {
		var end atomic.Bool
		return pgproxy.Hooks{
			FromClient: func(b []byte) {
				if armed.Load() && bytes.Contains(b, []byte("COMMIT")) {
					armed.Store(false)
					end.Store(true)
				}
			},
			FromServer: func(b []byte) ([]byte, bool) {
				if !end.Load() {
					return b, false
				}
				time.Sleep(300 * time.Millisecond) // the server finishes the batch
				return fatal57P01(), true
			},
		}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	m, err := namespace.NewManagerWithConfig(context.Background(), namespace.Config{DSN: p.DSN()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })

	const ns = "acme__lostanswer"
	armed.Store(true)
	inst, err := m.Install(ctx, rwPlugin("owner", ns, nil))
	require.NoError(t, err, "the install committed")
	assert.False(t, armed.Load(), "the proxy ended the session after the COMMIT")
	require.True(t, inst.Created)
	h, err := m.Open(ctx, ns, inst.Keys.ReadWrite)
	require.NoError(t, err, "the returned keys are the namespace's")
	assert.Equal(t, "read_write", string(h.Access()))
	require.NoError(t, h.Close())
}
