package bench

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/namespace"
)

type rec struct {
	mu sync.Mutex
	s  []string
}

func (r *rec) LogMode(logger.LogLevel) logger.Interface      { return r }
func (r *rec) Info(context.Context, string, ...interface{})  {}
func (r *rec) Warn(context.Context, string, ...interface{})  {}
func (r *rec) Error(context.Context, string, ...interface{}) {}
func (r *rec) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.s = append(r.s, s)
	r.mu.Unlock()
}

var words = regexp.MustCompile(`"[^"]*"|'[^']*'|\$\d+|\d+`)

func hist(t *testing.T, title string, s []string) {
	m := map[string]int{}
	for _, x := range s {
		k := words.ReplaceAllString(x, "?")
		if len(k) > 90 {
			k = k[:90]
		}
		m[k]++
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d statements\n", title, len(s))
	for _, k := range keys {
		fmt.Fprintf(&b, "%5d  %s\n", m[k], strings.ReplaceAll(k, "\n", " "))
	}
	t.Log(b.String())
}

func TestZZTraceInstall(t *testing.T) {
	ctx := context.Background()
	d := testdb.New(t)
	r := &rec{}
	mgr, err := namespace.NewManagerWithConfig(ctx, namespace.Config{DSN: d.DSN, Logger: r})
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	r.s = nil
	inst, err := installPlugin(ctx, mgr, "trace__a", 20, "")
	if err != nil {
		t.Fatal(err)
	}
	hist(t, "first install 20", r.s)
	r.s = nil
	if _, err := installPlugin(ctx, mgr, "trace__a", 20, inst.Keys.ReadWrite); err != nil {
		t.Fatal(err)
	}
	hist(t, "re-install 20", r.s)
	h, err := mgr.Open(ctx, "trace__a", inst.Keys.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	r.s = nil
	h2, err := mgr.Open(ctx, "trace__a", inst.Keys.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	h2.Close()
	hist(t, "open cached", r.s)
}
