package namespace

import (
	"context"
	"database/sql/driver"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Session state one plugin sets must not reach another plugin's calls,
// although handles of one namespace and level share a pool. A connection a
// caller changed the session of is not reused: database/sql discards it
// (ResetSession returns driver.ErrBadConn) and the next caller gets a fresh
// one. What counts as changed, found without a round trip:
//
//   - a statement that changes session state, seen as it is sent (a pgx
//     tracer): SET (but SET LOCAL / TRANSACTION / CONSTRAINTS), RESET,
//     DISCARD, DEALLOCATE, PREPARE, LISTEN, UNLISTEN, LOAD, DECLARE, CREATE
//     (temporary objects), DO, set_config(...) and session advisory locks,
//     wherever they stand among comments and statements; any dollar-quoted
//     string counts too (what runs in a function body is not read);
//   - a server parameter the server reports on every change (client_encoding,
//     DateStyle, IntervalStyle, TimeZone, standard_conforming_strings,
//     default_transaction_read_only, application_name, ...) that differs
//     from the connection's first value: this catches changes made by
//     statements the tracer cannot see (functions, the raw protocol);
//   - an open transaction (pgx's own check).
//
// The SDK's own statements change no session state, so the guard costs a
// scan of each statement's text the first time it is sent (a statement
// found clean is remembered: a map lookup after that) and a few map lookups
// per reuse (see BenchmarkSessionGuard), never a round trip.

const (
	dirtyKey  = "customdata:session_changed"
	paramsKey = "customdata:session_params"
)

// reportedParams are the parameters PostgreSQL reports to the client
// whenever they change (GUC_REPORT), as of PostgreSQL 14. search_path is
// reported only from PostgreSQL 18 on, statement_timeout never: on older
// servers the statement scan is what catches their changes.
var reportedParams = []string{
	"application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
	"in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser",
	"server_encoding", "session_authorization", "standard_conforming_strings", "TimeZone",
	"search_path",
}

// sessionGuard is the pgx tracer of handle connections.
type sessionGuard struct{}

// TraceQueryStart marks the connection when sql changes session state.
func (sessionGuard) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if changesSessionOn(conn, data.SQL) {
		conn.PgConn().CustomData()[dirtyKey] = true
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (sessionGuard) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer.
func (sessionGuard) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

// TraceBatchQuery marks the connection when a batched statement changes
// session state.
func (sessionGuard) TraceBatchQuery(_ context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	if changesSessionOn(conn, data.SQL) {
		conn.PgConn().CustomData()[dirtyKey] = true
	}
}

// TraceBatchEnd implements pgx.BatchTracer.
func (sessionGuard) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// changesSessionOn is changesSession for sql sent on conn, read as the
// server reads it: with standard_conforming_strings off, a backslash
// escapes a quote in '...' strings too.
func changesSessionOn(conn *pgx.Conn, sql string) bool {
	return cleanStatements.changes(sql, conn.PgConn().ParameterStatus("standard_conforming_strings") == "off")
}

// cleanStatements remembers statements found to change no session state,
// so that the hot paths' statements, sent again and again, are scanned
// once per process: a map lookup instead of a scan of the text.
var cleanStatements = &verdictCache{}

// Bounds of verdictCache: statements longer than maxCleanLen are scanned
// every time, and once maxClean statements are remembered (plugins that
// build their SQL with literals in it, say), new ones are scanned every
// time too.
const (
	maxCleanLen = 8 << 10
	maxClean    = 4096
)

// verdictCache is a bounded set of statement texts changesSessionIn found
// clean, one per quoting mode (standard_conforming_strings on or off).
type verdictCache struct {
	mu    sync.RWMutex
	clean [2]map[string]struct{}
	n     int
}

// changes is changesSessionIn(sql, backslashQuotes), remembered for clean
// statements.
func (c *verdictCache) changes(sql string, backslashQuotes bool) bool {
	if len(sql) > maxCleanLen {
		return changesSessionIn(sql, backslashQuotes)
	}
	mode := 0
	if backslashQuotes {
		mode = 1
	}
	c.mu.RLock()
	_, ok := c.clean[mode][sql]
	c.mu.RUnlock()
	if ok {
		return false
	}
	if changesSessionIn(sql, backslashQuotes) {
		return true
	}
	c.mu.Lock()
	if c.n < maxClean {
		if c.clean[mode] == nil {
			c.clean[mode] = map[string]struct{}{}
		}
		if _, ok := c.clean[mode][sql]; !ok {
			c.clean[mode][strings.Clone(sql)] = struct{}{}
			c.n++
		}
	}
	c.mu.Unlock()
	return false
}

// rememberSession records the connection's reported parameters as it
// starts, for resetSession to compare.
func rememberSession(conn *pgx.Conn) {
	pc := conn.PgConn()
	params := make([]string, len(reportedParams))
	for i, p := range reportedParams {
		params[i] = pc.ParameterStatus(p)
	}
	pc.CustomData()[paramsKey] = params
	delete(pc.CustomData(), dirtyKey)
}

// resetSession is called by database/sql before a connection is reused:
// a connection whose session changed is discarded.
func resetSession(_ context.Context, conn *pgx.Conn) error {
	pc := conn.PgConn()
	data := pc.CustomData()
	if data[dirtyKey] == true {
		return driver.ErrBadConn
	}
	params, ok := data[paramsKey].([]string)
	if !ok {
		return nil // not a handle connection the connector checked
	}
	for i, p := range reportedParams {
		if pc.ParameterStatus(p) != params[i] {
			return driver.ErrBadConn
		}
	}
	return nil
}

// changesSession reports whether sql (one statement or several) may change
// session state that outlives it: see the top of this file. It reads sql
// as PostgreSQL does with standard_conforming_strings on.
func changesSession(sql string) bool {
	return changesSessionIn(sql, false)
}

// changesSessionIn is changesSession; backslashQuotes says a backslash
// escapes the next character in '...' strings too (standard_conforming_strings
// off). Comments are skipped wherever they stand; a DO block or any
// dollar-quoted string counts as a change, since what runs in it is not
// read here (the cost of a false alarm is one reconnect).
func changesSessionIn(sql string, backslashQuotes bool) bool {
	if containsFold(sql, "set_config") || containsFold(sql, "advisory_lock") {
		return true
	}
	start := true
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ';':
			start = true
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '(':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-', c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			i = skipComment(sql, i)
		case c == '\'':
			i = skipString(sql, i, backslashQuotes)
			start = false
		case c == '"':
			i = skipQuoted(sql, i, '"')
			start = false
		case c == '$':
			if i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9' {
				i++ // a parameter, $1
				continue
			}
			return true // a dollar-quoted string: a function body, a DO block
		case isIdentStart(c):
			j := i + 1
			for j < len(sql) && isIdentChar(sql[j]) {
				j++
			}
			if start && sessionKeyword(sql[i:]) {
				return true
			}
			start = false
			if j == i+1 && (c == 'e' || c == 'E') && j < len(sql) && sql[j] == '\'' {
				i = skipString(sql, j, true) // E'...': backslash escapes
				continue
			}
			i = j
		default:
			start = false
			i++
		}
	}
	return false
}

// skipComment returns the index after the comment at sql[i:], a
// "-- ..." line or a (nested) "/* ... */" block.
func skipComment(sql string, i int) int {
	if sql[i] == '-' {
		for i < len(sql) && sql[i] != '\n' {
			i++
		}
		return i
	}
	depth := 0
	for i+1 < len(sql) {
		switch {
		case sql[i] == '/' && sql[i+1] == '*':
			depth++
			i += 2
		case sql[i] == '*' && sql[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(sql)
}

// skipString returns the index after the '...' literal whose opening
// quote is sql[i]; a doubled quote stands for one and, with backslash, a
// backslash escapes the next character.
func skipString(sql string, i int, backslash bool) int {
	for j := i + 1; j < len(sql); j++ {
		switch {
		case backslash && sql[j] == '\\':
			j++
		case sql[j] == '\'':
			if j+1 < len(sql) && sql[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

// skipQuoted returns the index after the quoted identifier whose opening
// quote q is sql[i]; a doubled quote stands for one.
func skipQuoted(sql string, i int, q byte) int {
	for j := i + 1; j < len(sql); j++ {
		if sql[j] == q {
			if j+1 < len(sql) && sql[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

// isIdentChar reports whether c continues a word: an identifier, keyword
// or number ($ included, as in a$b).
func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

// sessionKeyword reports whether s starts with a statement keyword that
// changes session state.
func sessionKeyword(s string) bool {
	word, rest := firstWord(s)
	switch {
	case eqFold(word, "set"):
		next, _ := firstWord(rest)
		return !(eqFold(next, "local") || eqFold(next, "transaction") || eqFold(next, "constraints"))
	case eqFold(word, "reset"), eqFold(word, "discard"), eqFold(word, "deallocate"), eqFold(word, "prepare"),
		eqFold(word, "listen"), eqFold(word, "unlisten"), eqFold(word, "load"), eqFold(word, "declare"),
		eqFold(word, "create"), eqFold(word, "do"):
		return true
	}
	return false
}

// firstWord returns the first word of s after white space and comments,
// and what follows it.
func firstWord(s string) (word, rest string) {
	i := 0
	for i < len(s) {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '/' && i+1 < len(s) && s[i+1] == '*':
			i = skipComment(s, i)
			continue
		}
		break
	}
	j := i
	for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] == '_') {
		j++
	}
	return s[i:j], s[j:]
}

func eqFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != b[i] {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFold reports whether s contains sub (lower case ASCII), ignoring
// the case of s.
func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) == sub[0] && eqFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}
