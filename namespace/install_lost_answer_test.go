package namespace_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/namespace"
)

// endingProxy forwards connections to a PostgreSQL server. Armed, it lets
// the next client write that contains marker reach the server, then,
// instead of the server's answer, sends what pg_terminate_backend sends (a
// FATAL 57P01) and closes the connection: the statements ran, the client
// hears that its session ended.
type endingProxy struct {
	armed  atomic.Bool
	marker []byte
}

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

func (p *endingProxy) serve(ln net.Listener, network, addr string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial(network, addr)
		if err != nil {
			_ = c.Close()
			continue
		}
		var end atomic.Bool
		go func() {
			buf := make([]byte, 256<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 && p.armed.Load() && bytes.Contains(buf[:n], p.marker) {
					p.armed.Store(false)
					end.Store(true)
				}
				if n > 0 {
					if _, err := s.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					_ = s.Close()
					return
				}
			}
		}()
		go func() {
			buf := make([]byte, 256<<10)
			for {
				n, err := s.Read(buf)
				if n > 0 && end.Load() {
					time.Sleep(300 * time.Millisecond) // the server finishes the batch
					_, _ = c.Write(fatal57P01())
					_ = c.Close()
					_ = s.Close()
					return
				}
				if n > 0 {
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					_ = c.Close()
					return
				}
			}
		}()
	}
}

// TestInstallWhoseCommitAnswerWasLost: a first install commits, and its
// session is then ended before the answer arrives. The install finds its
// own key in the namespace and returns the keys it made, which would
// otherwise be lost with the namespace already created.
func TestInstallWhoseCommitAnswerWasLost(t *testing.T) {
	t.Parallel()
	_, d := newManager(t)
	u, network, addr := proxyTarget(t, d.DSN)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	p := &endingProxy{marker: []byte("COMMIT")}
	go p.serve(ln, network, addr)
	u.Host = ln.Addr().String()
	m, err := namespace.NewManagerWithConfig(context.Background(), namespace.Config{DSN: u.String()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })

	const ns = "acme__lostanswer"
	p.armed.Store(true)
	inst, err := m.Install(ctx, rwPlugin("owner", ns, nil))
	require.NoError(t, err, "the install committed")
	assert.False(t, p.armed.Load(), "the proxy ended the session after the COMMIT")
	require.True(t, inst.Created)
	h, err := m.Open(ctx, ns, inst.Keys.ReadWrite)
	require.NoError(t, err, "the returned keys are the namespace's")
	assert.Equal(t, "read_write", string(h.Access()))
	require.NoError(t, h.Close())
}
