package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Options shapes a cluster. The zero value is ready to use.
type Options struct {
	// BinDir is the directory holding initdb and postgres. Empty means
	// search (see FindBinDir).
	BinDir string
	// BaseDir is where the cluster's directory is created. Empty means
	// os.TempDir(). When running as root it must be reachable by OSUser.
	BaseDir string
	// OSUser is the operating-system user that runs initdb and postgres when
	// the process runs as root. Empty means "postgres".
	OSUser string
	// Settings are extra server settings (postgres -c name=value); they
	// override the defaults.
	Settings map[string]string
}

// Errors returned by Start; test them with errors.Is.
var (
	// ErrNoBinaries means initdb and postgres were not found.
	ErrNoBinaries = errors.New("pgcluster: PostgreSQL server binaries (initdb, postgres) not found; " +
		"install them (Debian/Ubuntu: apt-get install -y postgresql) or set DATABASE_URL to a server you have")
	// ErrNoOSUser means the process runs as root and the OS user meant to
	// run PostgreSQL does not exist (PostgreSQL refuses to run as root).
	ErrNoOSUser = errors.New("pgcluster: running as root, but the OS user to run PostgreSQL as does not exist; " +
		"create it (useradd --system postgres; installing the postgresql package does), run as a normal user, or set DATABASE_URL")
	// ErrUnsupported means this platform cannot host an ephemeral cluster.
	ErrUnsupported = errors.New("pgcluster: ephemeral clusters need Linux or another Unix; set DATABASE_URL instead")
)

// InitdbError is initdb's failure, with what it printed.
type InitdbError struct {
	// Dir is the data directory initdb was asked to create.
	Dir string
	// Output is initdb's combined standard output and error.
	Output string
	// Err is the error from running initdb.
	Err error
}

// Error returns the data directory, initdb's error and what it printed.
func (e *InitdbError) Error() string {
	return fmt.Sprintf("pgcluster: initdb -D %s failed: %v\n%s", e.Dir, e.Err, strings.TrimSpace(e.Output))
}

// Unwrap returns the error from running initdb, for errors.Is and errors.As.
func (e *InitdbError) Unwrap() error { return e.Err }

// dirPrefix names the directories of running clusters, so stale ones can be
// found.
const dirPrefix = "customdata-pg-"

// maxSocketBase is the longest base directory whose cluster socket path
// still fits in a unix socket address.
const maxSocketBase = 60

// ownerFile records, in a cluster's directory, the process that owns it.
const ownerFile = "owner"

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	binDir  string
	dir     string
	dataDir string
	dsn     string
	cmd     *exec.Cmd
	// fromCache is the initdb cache the data directory was copied from
	// ("" when initdb ran).
	fromCache string

	done    chan struct{} // closed when the server process has exited
	waitErr error         // set before done is closed

	// reaper removes dir if this process ends without Stop; Stop kills it.
	reaper *os.Process

	stopOnce sync.Once
	stopErr  error
}

// DSN is a postgres:// URL that reaches the cluster's "postgres" database as
// the superuser postgres over the cluster's unix socket.
func (c *Cluster) DSN() string { return c.dsn }

// Dir is the cluster's directory: data directory, socket and server log.
func (c *Cluster) Dir() string { return c.dir }

// BinDir is the directory of the binaries the cluster runs.
func (c *Cluster) BinDir() string { return c.binDir }

// defaultSettings are the server settings of every cluster.
func defaultSettings(socketDir string) map[string]string {
	return map[string]string{
		"listen_addresses":        "",
		"unix_socket_directories": socketDir,
		"fsync":                   "off",
		"full_page_writes":        "off",
		"synchronous_commit":      "off",
		"max_connections":         "200",
		"shared_buffers":          "64MB",
		"max_wal_size":            "1GB",
		"checkpoint_timeout":      "1h",
		"log_min_messages":        "warning",
	}
}

// Start creates and starts a cluster. The caller stops it with Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	c, cache, err := startCluster(ctx, opts, true)
	if err != nil && cache != "" {
		// The cached initdb output was used and the server did not start
		// from it: the cache is damaged. Forget it and run initdb.
		_ = os.RemoveAll(cache)
		c, _, err = startCluster(ctx, opts, false)
	}
	return c, err
}

// startCluster is Start; cache is the initdb cache the data directory was
// copied from, if any.
func startCluster(ctx context.Context, opts Options, useCache bool) (_ *Cluster, cache string, _ error) {
	if !supported {
		return nil, "", ErrUnsupported
	}
	binDir, err := FindBinDir(opts.BinDir)
	if err != nil {
		return nil, "", err
	}
	cred, err := runAsFor(opts.OSUser)
	if err != nil {
		return nil, "", err
	}
	base := opts.BaseDir
	if base == "" {
		base = os.TempDir()
		// The socket path (base/customdata-pg-N/.s.PGSQL.5432) must fit in
		// a sockaddr_un (104 bytes on macOS, 108 on Linux).
		if len(base) > maxSocketBase {
			base = "/tmp"
		}
	}
	CleanStale(base)

	dir, err := os.MkdirTemp(base, dirPrefix+"*")
	if err != nil {
		return nil, "", fmt.Errorf("pgcluster: create cluster directory: %w", err)
	}
	c := &Cluster{binDir: binDir, dir: dir, dataDir: filepath.Join(dir, "data"), done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(dir)
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(ownerRecord(os.Getpid())), 0o644); err != nil {
		return nil, "", fmt.Errorf("pgcluster: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, cred.uid, cred.gid); err != nil {
			return nil, "", fmt.Errorf("pgcluster: hand %s to OS user %s: %w", dir, cred.name, err)
		}
		if err := reachable(base, cred); err != nil {
			return nil, "", err
		}
	}

	from, err := c.prepareData(ctx, base, cred, useCache)
	if err != nil {
		return nil, "", err
	}
	c.fromCache = from
	if err := c.start(ctx, cred, opts.Settings); err != nil {
		return nil, from, err
	}
	c.reaper = startReaper(dir)
	ok = true
	return c, "", nil
}

// initdb creates the data directory.
func (c *Cluster) initdb(ctx context.Context, cred *osUser) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, "initdb"), append([]string{"-D", c.dataDir}, initdbArgs...)...)
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	runAs(cmd, cred)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &InitdbError{Dir: c.dataDir, Output: string(out), Err: err}
	}
	return nil
}

// start runs the server and waits until it accepts connections.
func (c *Cluster) start(ctx context.Context, cred *osUser, extra map[string]string) error {
	settings := defaultSettings(c.dir)
	for k, v := range extra {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := []string{"-D", c.dataDir}
	for _, k := range keys {
		args = append(args, "-c", k+"="+settings[k])
	}
	logPath := filepath.Join(c.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	runAs(cmd, cred)
	setPdeathsig(cmd)
	c.cmd = cmd

	// The parent-death signal fires when the thread that forked the child
	// ends, so fork from a locked thread that lives as long as the server.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			close(c.done)
			return
		}
		started <- nil
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgcluster: start postgres: %w", err)
	}

	c.dsn = (&url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Path:     "/postgres",
		RawQuery: url.Values{"host": {c.dir}, "sslmode": {"disable"}}.Encode(),
	}).String()

	if err := c.waitReady(ctx); err != nil {
		c.kill()
		return fmt.Errorf("%w\nserver log (%s):\n%s", err, logPath, tail(logPath, 4000))
	}
	return nil
}

// waitReady polls until the server accepts a connection, it exits, or ctx
// ends (a minute at most).
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var last error
	for {
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgconn.Connect(cctx, c.dsn)
		ccancel()
		if err == nil {
			_ = conn.Close(ctx)
			return nil
		}
		last = err
		select {
		case <-c.done:
			return fmt.Errorf("pgcluster: postgres exited during startup: %v", c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: postgres did not accept connections: %w (last attempt: %v)", ctx.Err(), last)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Stop shuts the server down (fast shutdown, then a kill after 30 seconds)
// and removes the cluster's directory. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		if c.cmd != nil && c.cmd.Process != nil {
			select {
			case <-c.done:
			default:
				_ = signalInterrupt(c.cmd.Process) // fast shutdown
				select {
				case <-c.done:
				case <-time.After(30 * time.Second):
					c.kill()
				}
			}
		}
		if err := os.RemoveAll(c.dir); err != nil {
			c.stopErr = fmt.Errorf("pgcluster: remove %s: %w", c.dir, err)
		}
		if c.reaper != nil {
			_ = c.reaper.Kill()
		}
	})
	return c.stopErr
}

// kill ends the server at once and waits for it.
func (c *Cluster) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Kill()
	<-c.done
}

// FindBinDir returns the directory holding initdb and postgres: dir if not
// empty; else the directory of initdb or pg_ctl found on PATH (symbolic
// links followed); else the newest of the usual install locations
// (/usr/lib/postgresql/<version>/bin, /usr/pgsql-<version>/bin, Homebrew,
// /usr/local/pgsql/bin). It wraps ErrNoBinaries when none has both.
func FindBinDir(dir string) (string, error) {
	if dir != "" {
		if hasServerBinaries(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w (looked in %s)", ErrNoBinaries, dir)
	}
	for _, name := range []string{"initdb", "pg_ctl"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if d := filepath.Dir(p); hasServerBinaries(d) {
			return d, nil
		}
	}
	var candidates []string
	for _, pattern := range []string{
		"/usr/lib/postgresql/*/bin",
		"/usr/pgsql-*/bin",
		"/opt/homebrew/opt/postgresql@*/bin",
		"/usr/local/opt/postgresql@*/bin",
	} {
		m, _ := filepath.Glob(pattern)
		candidates = append(candidates, m...)
	}
	sort.SliceStable(candidates, func(i, j int) bool { return versionOf(candidates[i]) > versionOf(candidates[j]) })
	candidates = append(candidates, "/opt/homebrew/bin", "/usr/local/pgsql/bin", "/usr/local/bin")
	for _, d := range candidates {
		if hasServerBinaries(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w (looked on PATH and in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, Homebrew, /usr/local/pgsql/bin)", ErrNoBinaries)
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionOf returns the major version in a path such as
// /usr/lib/postgresql/15/bin or /usr/pgsql-16/bin, scaled so that 9.6 sorts
// below 10; 0 if none.
func versionOf(path string) float64 {
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '-' || r == '@' }) {
		if v, err := strconv.ParseFloat(part, 64); err == nil {
			return v
		}
	}
	return 0
}

// osUser is who runs PostgreSQL when the process is root.
type osUser struct {
	name     string
	uid, gid int
}

// runAsFor returns the OS user to run PostgreSQL as: nil when the process
// is not root.
func runAsFor(name string) (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if name == "" {
		name = "postgres"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("%w (user %q: %v)", ErrNoOSUser, name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%w (user %q has uid %q, gid %q)", ErrNoOSUser, name, u.Uid, u.Gid)
	}
	return &osUser{name: name, uid: uid, gid: gid}, nil
}

// reachable checks that every directory above the cluster's lets others
// pass, so the PostgreSQL user can reach its data.
func reachable(base string, u *osUser) error {
	abs, err := filepath.Abs(base)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 && !ownedBy(fi, u.uid) {
			return fmt.Errorf("pgcluster: OS user %s cannot reach %s (mode %v); set TMPDIR to a directory it can reach, such as /tmp",
				u.name, d, fi.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// childEnv is the environment of initdb and postgres: the process's own,
// less the PG* variables that would point them elsewhere.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// tail returns at most the last n bytes of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimSpace(string(b))
}
