package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// tripProxy is a TCP proxy in front of the server that counts round trips.
//
// A round trip is counted each time a client sends bytes after it last
// received bytes (or for the first time) on one connection: a request the
// client cannot send before it has read the previous answer. Several
// statements pipelined in one write are one round trip; a prepare followed by
// an execute is two. It sees every client alike (the SDK's pools, which
// offer no tracer hook, as well as pgx and GORM), so the counts compare.
type tripProxy struct {
	ln      net.Listener
	network string // of the server
	addr    string // of the server
	trips   atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// newTripProxy listens on a loopback port and forwards to the server dsn
// names (TCP or a unix socket).
func newTripProxy(dsn string) (*tripProxy, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("bench: parse DSN: %w", err)
	}
	p := &tripProxy{network: "tcp", addr: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), conns: map[net.Conn]struct{}{}}
	if strings.HasPrefix(cfg.Host, "/") {
		p.network, p.addr = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	p.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: round-trip proxy: %w", err)
	}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Trips returns the round trips counted so far, on all connections.
func (p *tripProxy) Trips() int64 { return p.trips.Load() }

// DSN returns dsn pointed at the proxy.
func (p *tripProxy) DSN(dsn string) (string, error) {
	host, port, _ := net.SplitHostPort(p.ln.Addr().String())
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Del("host")
		q.Del("port")
		u.RawQuery = q.Encode()
		u.Host = net.JoinHostPort(host, port)
		return u.String(), nil
	}
	return strings.TrimSpace(dsn) + " host=" + host + " port=" + port, nil
}

func (p *tripProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

// direction of the last bytes seen on a proxied connection.
const (
	dirNone int32 = iota
	dirUp         // client to server
	dirDown       // server to client
)

func (p *tripProxy) handle(client net.Conn) {
	server, err := net.Dial(p.network, p.addr)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, client)
		delete(p.conns, server)
		p.mu.Unlock()
	}()
	var last atomic.Int32
	var done sync.WaitGroup
	done.Add(1)
	go func() { // server to client
		defer done.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				last.Store(dirDown)
				if _, werr := client.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		_ = client.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			// The answer cannot come before the request is forwarded, so
			// the order seen here is the order on the wire.
			if last.Swap(dirUp) != dirUp {
				p.trips.Add(1)
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = server.Close()
	done.Wait()
}

// Close stops the proxy and cuts its connections.
func (p *tripProxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		err = nil
	}
	return err
}

// countTracer is a pgx QueryTracer that counts statements; the test uses it
// to check the proxy's counts against pgx's own view of a raw connection.
type countTracer struct{ n atomic.Int64 }

func (t *countTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	t.n.Add(1)
	return ctx
}

func (t *countTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
