package namespace

import (
	"context"
	"database/sql/driver"

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
//     (temporary objects), set_config(...) and session advisory locks;
//   - a server parameter the server reports on every change (client_encoding,
//     DateStyle, IntervalStyle, TimeZone, standard_conforming_strings,
//     default_transaction_read_only, application_name, ...) that differs
//     from the connection's first value: this catches changes made by
//     statements the tracer cannot see (functions, the raw protocol);
//   - an open transaction (pgx's own check).
//
// The SDK's own statements change no session state, so the guard costs a
// scan of each statement's text and a few map lookups per reuse (see
// BenchmarkSessionGuard), never a round trip.

const (
	dirtyKey  = "customdata:session_changed"
	paramsKey = "customdata:session_params"
)

// reportedParams are the parameters PostgreSQL reports to the client
// whenever they change (GUC_REPORT), as of PostgreSQL 14.
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
	if changesSession(data.SQL) {
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
	if changesSession(data.SQL) {
		conn.PgConn().CustomData()[dirtyKey] = true
	}
}

// TraceBatchEnd implements pgx.BatchTracer.
func (sessionGuard) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

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
// session state that outlives it: see the top of this file.
func changesSession(sql string) bool {
	if containsFold(sql, "set_config") || containsFold(sql, "advisory_lock") {
		return true
	}
	start := true
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == ';':
			start = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(':
		case start:
			start = false
			if sessionKeyword(sql[i:]) {
				return true
			}
		case c == '\'' || c == '"':
			// skip a quoted literal or identifier: a ';' in it ends nothing
			for j := i + 1; j < len(sql); j++ {
				if sql[j] == c {
					i = j
					break
				}
			}
		}
	}
	return false
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
		eqFold(word, "create"):
		return true
	}
	return false
}

func firstWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
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
