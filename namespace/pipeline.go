package namespace

// Installs read the catalog and change it in few round trips: each step's
// statements and queries go to the server together (pgconn's pipelined
// batch: one write, then the results), and every query returns its rows as
// one JSON document, so that the same query text serves a pipelined install
// and a GORM transaction alike.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// jsonRows wraps query q so that it returns its rows as one JSON array of
// objects (one text column, one row), keyed by q's column names.
func jsonRows(q string) string {
	return "SELECT coalesce((SELECT pg_catalog.json_agg(q) FROM (" + q + ") q), '[]')::text"
}

// stateReader reads catalog state: into (a pointer to a slice of structs
// with json tags) gets query q's rows, now or when the reader's batch is
// sent. what names the state in errors.
type stateReader interface {
	read(what string, into any, q string, args ...any)
}

// gormReader reads at once in a GORM transaction; err keeps the first
// failure (later reads are skipped).
type gormReader struct {
	tx  *gorm.DB
	err error
}

func (g *gormReader) read(what string, into any, q string, args ...any) {
	if g.err != nil {
		return
	}
	var doc string
	if err := g.tx.Raw(jsonRows(q), args...).Row().Scan(&doc); err != nil {
		g.err = fmt.Errorf("customdata: %s: %w", what, err)
		return
	}
	if err := json.Unmarshal([]byte(doc), into); err != nil {
		g.err = fmt.Errorf("customdata: %s: %w", what, err)
	}
}

// stmt is one statement of a plan: SQL, its parameters, and what it does
// (for its error).
type stmt struct {
	sql  string
	args []any
	what string
	// secret marks a statement that carries a password or its verifier:
	// it is never logged.
	secret bool
}

// execGorm runs stmts in order in tx.
func execGorm(tx *gorm.DB, stmts []stmt) error {
	for _, s := range stmts {
		if err := tx.Exec(s.sql, s.args...).Error; err != nil {
			return stmtError(s, err)
		}
	}
	return nil
}

func stmtError(s stmt, err error) error {
	if s.what == "" {
		return err
	}
	return fmt.Errorf("customdata: %s: %w", s.what, err)
}

// pipe collects statements and queries and sends them in one round trip
// on a pgx connection (pgconn's batch: extended protocol, unnamed
// statements, text parameters), so no statement is prepared first.
type pipe struct {
	ctx  context.Context
	conn *pgconn.PgConn
	log  logger.Interface // shown every statement but the secret ones; may be nil
	// prepared are the statements prepared on conn; nil runs every
	// statement unnamed (through a transaction pooler, say).
	prepared *preparedSet
	items    []pipeItem
}

type pipeItem struct {
	stmt
	into any     // JSON target of a query; nil for a statement
	raw  *[]byte // the first column of the first row, as text
}

func (p *pipe) exec(stmts ...stmt) {
	for _, s := range stmts {
		p.items = append(p.items, pipeItem{stmt: s})
	}
}

func (p *pipe) read(what string, into any, q string, args ...any) {
	p.items = append(p.items, pipeItem{stmt: stmt{sql: jsonRows(q), args: args, what: what}, into: into})
}

// readRaw queues q, whose first row's first column (as text) goes to into.
func (p *pipe) readRaw(what string, into *[]byte, q string, args ...any) {
	p.items = append(p.items, pipeItem{stmt: stmt{sql: q, args: args, what: what}, raw: into})
}

// flush sends what is queued, in one round trip, and fills the queries'
// targets. The first failure ends it (the server skips the rest).
//
// Queries (read, readRaw) run as named prepared statements when the pipe
// has a prepared set: a query's first use on a connection sends its Parse
// in the same round trip, and later uses skip the parsing and planning that
// an unnamed statement pays each time.
func (p *pipe) flush() error {
	items := p.items
	p.items = nil
	if len(items) == 0 {
		return nil
	}
	params := make([][][]byte, len(items))
	for i, it := range items {
		var err error
		if params[i], err = encodeParams(it.args); err != nil {
			return stmtError(it.stmt, err)
		}
	}
	begin := time.Now()
	pl := p.conn.StartPipeline(p.ctx)
	parsed := make([]string, len(items)) // the names this flush prepares
	parsing := map[string]bool{}
	for i, it := range items {
		if p.prepared == nil || (it.into == nil && it.raw == nil) {
			pl.SendQueryParams(it.sql, params[i], nil, nil, nil)
			continue
		}
		name := preparedName(it.sql)
		if !parsing[name] && !p.prepared.has(name) {
			// Close first: a statement of that name that the set does not
			// know of (closing a missing one is no error) cannot fail
			// the Parse.
			pl.SendDeallocate(name)
			pl.SendPrepare(name, it.sql, nil)
			parsed[i] = name
			parsing[name] = true
		}
		pl.SendQueryPrepared(name, params[i], nil, nil)
	}
	err := pl.Sync()
	if err == nil {
		err = p.results(pl, items, parsed)
	}
	if cerr := pl.Close(); err == nil && cerr != nil {
		err = cerr
	}
	p.trace(begin, items, err)
	return err
}

// results reads the pipeline's results into items' targets, noting the
// statements it prepared (parsed) in p.prepared.
func (p *pipe) results(pl *pgconn.Pipeline, items []pipeItem, parsed []string) error {
	for i, it := range items {
		if parsed[i] != "" {
			for range 2 { // the Close, the Parse
				if _, err := pl.GetResults(); err != nil {
					return stmtError(it.stmt, err)
				}
			}
			p.prepared.add(parsed[i])
		}
		res, err := pl.GetResults()
		if err != nil {
			return stmtError(it.stmt, err)
		}
		rr, ok := res.(*pgconn.ResultReader)
		if !ok {
			return stmtError(it.stmt, fmt.Errorf("unexpected result %T", res))
		}
		var first []byte
		got := false
		for rr.NextRow() {
			if !got && len(rr.Values()) > 0 {
				first = append([]byte(nil), rr.Values()[0]...)
				got = true
			}
		}
		if _, err := rr.Close(); err != nil {
			return stmtError(it.stmt, err)
		}
		switch {
		case it.into != nil:
			if err := json.Unmarshal(first, it.into); err != nil {
				return stmtError(it.stmt, err)
			}
		case it.raw != nil:
			*it.raw = first
		}
	}
	if _, err := pl.GetResults(); err != nil { // the Sync
		return err
	}
	return nil
}

// preparedName names the prepared statement of query q.
func preparedName(q string) string {
	sum := sha256.Sum256([]byte(q))
	return "customdata_" + hex.EncodeToString(sum[:12])
}

// preparedSet is the statements prepared on one connection. Only the
// goroutine holding the connection uses it.
type preparedSet struct {
	names map[string]bool
}

func (s *preparedSet) has(name string) bool { return s.names[name] }

func (s *preparedSet) add(name string) { s.names[name] = true }

// preparedKey is the key of a connection's preparedSet in its CustomData.
const preparedKey = "customdata.prepared"

// preparedFor returns conn's preparedSet, kept with the connection (and
// gone with it).
func preparedFor(conn *pgconn.PgConn) *preparedSet {
	data := conn.CustomData()
	if s, ok := data[preparedKey].(*preparedSet); ok {
		return s
	}
	s := &preparedSet{names: map[string]bool{}}
	data[preparedKey] = s
	return s
}

// trace shows items to the pipe's logger, all with the batch's outcome.
func (p *pipe) trace(begin time.Time, items []pipeItem, err error) {
	if p.log == nil {
		return
	}
	for _, it := range items {
		if it.secret {
			continue
		}
		sql, args := it.sql, it.args
		p.log.Trace(p.ctx, begin, func() (string, int64) {
			return logger.ExplainSQL(sql, numericPlaceholder, "'", args...), -1
		}, err)
	}
}

var numericPlaceholder = regexp.MustCompile(`\$(\d+)`)

// encodeParams gives args as PostgreSQL's text format: strings, bools,
// integers and string slices (a text[] literal); nil is NULL.
func encodeParams(args []any) ([][]byte, error) {
	if len(args) == 0 {
		return nil, nil
	}
	out := make([][]byte, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
		case string:
			out[i] = []byte(v)
		case bool:
			out[i] = []byte(strconv.FormatBool(v))
		case int:
			out[i] = []byte(strconv.Itoa(v))
		case int64:
			out[i] = []byte(strconv.FormatInt(v, 10))
		case []string:
			out[i] = []byte(textArray(v))
		default:
			return nil, fmt.Errorf("customdata: parameter %d of type %T", i+1, a)
		}
	}
	return out, nil
}

// textArray is a text[] literal of ss: every element double-quoted, with
// its backslashes and double quotes escaped.
func textArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
