package namespace

// Installs read the catalog and change it in few round trips: each step's
// statements and queries go to the server together (pgconn's pipelined
// batch: one write, then the results), and every query returns its rows as
// one JSON document, so that the same query text serves a pipelined install
// and a GORM transaction alike.

import (
	"context"
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
	ctx   context.Context
	conn  *pgconn.PgConn
	log   logger.Interface // shown every statement but the secret ones; may be nil
	items []pipeItem
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
func (p *pipe) flush() error {
	items := p.items
	p.items = nil
	if len(items) == 0 {
		return nil
	}
	b := &pgconn.Batch{}
	for _, it := range items {
		params, err := encodeParams(it.args)
		if err != nil {
			return stmtError(it.stmt, err)
		}
		b.ExecParams(it.sql, params, nil, nil, nil)
	}
	begin := time.Now()
	mrr := p.conn.ExecBatch(p.ctx, b)
	err := p.results(mrr, items)
	p.trace(begin, items, err)
	return err
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

// results reads the batch's results into items' targets.
func (p *pipe) results(mrr *pgconn.MultiResultReader, items []pipeItem) error {
	i := 0
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		var first []byte
		got := false
		for rr.NextRow() {
			if !got && len(rr.Values()) > 0 {
				first = append([]byte(nil), rr.Values()[0]...)
				got = true
			}
		}
		if _, err := rr.Close(); err != nil {
			_ = mrr.Close()
			return stmtError(items[min(i, len(items)-1)].stmt, err)
		}
		if i < len(items) {
			it := items[i]
			switch {
			case it.into != nil:
				if err := json.Unmarshal(first, it.into); err != nil {
					_ = mrr.Close()
					return stmtError(it.stmt, err)
				}
			case it.raw != nil:
				*it.raw = first
			}
		}
		i++
	}
	if err := mrr.Close(); err != nil {
		return stmtError(items[min(i, len(items)-1)].stmt, err)
	}
	return nil
}

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
