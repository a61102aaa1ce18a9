package pgproxy

import (
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
)

// Hooks see one proxied connection's traffic. Either may be nil.
type Hooks struct {
	// FromClient sees each chunk the client sends, before it is passed on.
	FromClient func(b []byte)
	// FromServer sees each chunk the server sends. It returns what the
	// client gets instead (b itself to pass it on), and end to close the
	// connection once that is written.
	FromServer func(b []byte) (send []byte, end bool)
}

// Proxy forwards connections to a PostgreSQL server.
type Proxy struct {
	ln      net.Listener
	dsn     string
	network string
	addr    string
	hooks   func() Hooks

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

// Start listens on a loopback port and forwards each connection to dsn's
// server. hooks, if set, gives each new connection its Hooks.
func Start(dsn string, hooks func() Hooks) (*Proxy, error) {
	u, network, addr, err := target(dsn)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u.Host = ln.Addr().String()
	p := &Proxy{ln: ln, dsn: u.String(), network: network, addr: addr, hooks: hooks}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// DSN is dsn with the proxy standing in for the server.
func (p *Proxy) DSN() string { return p.dsn }

// Close stops listening, closes every proxied connection and waits for
// their goroutines.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial(p.network, p.addr)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		var h Hooks
		if p.hooks != nil {
			h = p.hooks()
		}
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			pipe(c, s, func(b []byte) ([]byte, bool) {
				if h.FromClient != nil {
					h.FromClient(b)
				}
				return b, false
			})
		}()
		go func() {
			defer p.wg.Done()
			pipe(s, c, h.FromServer)
		}()
	}
}

// pipe copies from src to dst through hook until either side ends, then
// closes both.
func pipe(src, dst net.Conn, hook func([]byte) ([]byte, bool)) {
	defer func() { _ = src.Close(); _ = dst.Close() }()
	buf := make([]byte, 256<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			send, end := buf[:n], false
			if hook != nil {
				send, end = hook(buf[:n])
			}
			if len(send) > 0 {
				if _, werr := dst.Write(send); werr != nil {
					return
				}
			}
			if end {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// target returns dsn's URL without its socket directory, and the server's
// address: a TCP host, or the socket in the directory that a throwaway
// cluster's DSN names in its host parameter.
func target(dsn string) (u *url.URL, network, addr string, err error) {
	u, err = url.Parse(dsn)
	if err != nil {
		return nil, "", "", err
	}
	network, addr = "tcp", u.Host
	q := u.Query()
	if dir := q.Get("host"); strings.HasPrefix(dir, "/") {
		port := q.Get("port")
		if port == "" {
			port = "5432"
		}
		network, addr = "unix", filepath.Join(dir, ".s.PGSQL."+port)
		q.Del("host")
		q.Del("port")
		u.RawQuery = q.Encode()
	}
	if addr == "" {
		return nil, "", "", errors.New("pgproxy: the DSN names no TCP host or socket directory (a URL DSN is needed)")
	}
	return u, network, addr, nil
}
