package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/namespace"
)

// recorder is a GORM logger that keeps every statement it is shown.
type recorder struct {
	mu    sync.Mutex
	stmts []string
}

func (r *recorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *recorder) Info(context.Context, string, ...any)     {}
func (r *recorder) Warn(context.Context, string, ...any)     {}
func (r *recorder) Error(context.Context, string, ...any)    {}

func (r *recorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

// literals are what shapes leave out: quoted names, strings, parameters
// and numbers.
var literals = regexp.MustCompile(`"[^"]*"|'[^']*'|\$\d+|\b\d+\b`)

// Statements writes, for a first install of 20 models, a re-install of
// them unchanged and an Open of a cached handle, the statements the
// Manager sends (as its GORM logger sees them; BEGIN and COMMIT are not
// shown) grouped by shape, most frequent first. It makes and drops a
// database of its own.
func Statements(ctx context.Context, w io.Writer) (err error) {
	d, err := testdb.Create(ctx, testdb.Config{})
	if err != nil {
		return fmt.Errorf("bench: create database: %w", err)
	}
	defer func() { err = errors.Join(err, d.Drop(context.WithoutCancel(ctx))) }()
	rec := &recorder{}
	mgr, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: d.DSN, Logger: rec})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer func() { err = errors.Join(err, mgr.Close()) }()
	const target = "bench__statements"
	rec.take()
	inst, err := installPlugin(ctx, mgr, target, 20, "")
	if err != nil {
		return err
	}
	writeShapes(w, "first install, 20 models", rec.take())
	if _, err := installPlugin(ctx, mgr, target, 20, inst.Keys.ReadWrite); err != nil {
		return err
	}
	writeShapes(w, "re-install, 20 unchanged models", rec.take())
	h, err := mgr.Open(ctx, target, inst.Keys.ReadWrite)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, h.Close()) }()
	rec.take()
	h2, err := mgr.Open(ctx, target, inst.Keys.ReadWrite)
	if err != nil {
		return err
	}
	writeShapes(w, "Open of a cached handle", rec.take())
	return h2.Close()
}

func writeShapes(w io.Writer, title string, stmts []string) {
	count := map[string]int{}
	for _, s := range stmts {
		k := strings.Join(strings.Fields(literals.ReplaceAllString(s, "?")), " ")
		if len(k) > 100 {
			k = k[:100] + "..."
		}
		count[k]++
	}
	shapes := make([]string, 0, len(count))
	for k := range count {
		shapes = append(shapes, k)
	}
	sort.Slice(shapes, func(i, j int) bool {
		if count[shapes[i]] != count[shapes[j]] {
			return count[shapes[i]] > count[shapes[j]]
		}
		return shapes[i] < shapes[j]
	})
	fmt.Fprintf(w, "%s: %d statements\n", title, len(stmts))
	for _, k := range shapes {
		fmt.Fprintf(w, "%6d  %s\n", count[k], k)
	}
	fmt.Fprintln(w)
}
