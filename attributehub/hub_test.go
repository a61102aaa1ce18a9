package attributehub_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/attributehub"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func TestHubLifecycle(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()

	h, err := attributehub.Create(ctx, db, "note_state", "note:89992c23")
	require.NoError(t, err)
	assert.NotZero(t, h.DBID)

	_, err = attributehub.Create(ctx, db, "note_state", "note:89992c23")
	require.ErrorIs(t, err, attributehub.ErrHubExists)
	var pg *pgconn.PgError
	assert.ErrorAs(t, err, &pg, "the driver error stays in the chain")

	got, err := attributehub.Get(ctx, db, "note_state", "note:89992c23")
	require.NoError(t, err)
	assert.Equal(t, h.DBID, got.DBID)

	_, err = attributehub.Get(ctx, db, "note_state", "nope")
	require.ErrorIs(t, err, attributehub.ErrHubNotFound)
	assert.Contains(t, err.Error(), "note_state/nope")

	again, created, err := attributehub.GetOrCreate(ctx, db, "note_state", "note:89992c23")
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, h.DBID, again.DBID)

	other, created, err := attributehub.GetOrCreate(ctx, db, "other", "note:89992c23")
	require.NoError(t, err)
	assert.True(t, created, "(type, id) is the key: same id, other type is another hub")
	assert.NotEqual(t, h.DBID, other.DBID)

	t.Run("Delete removes the attributes", func(t *testing.T) {
		require.NoError(t, h.SetAttributes(ctx, map[string]any{"a": 1, "b": "x"}))
		require.NoError(t, other.SetAttribute(ctx, "a", 2))
		require.NoError(t, h.Delete(ctx))

		var n int64
		require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.custom_attribute WHERE hub_id = ?`, h.DBID).Scan(&n).Error)
		assert.Zero(t, n)
		_, err := attributehub.Get(ctx, db, "note_state", "note:89992c23")
		assert.ErrorIs(t, err, attributehub.ErrHubNotFound)
		assert.ErrorIs(t, h.Delete(ctx), attributehub.ErrHubNotFound)
		assert.ErrorIs(t, h.SetAttribute(ctx, "a", 1), attributehub.ErrHubNotFound, "writing to a deleted hub")

		v, ok, err := other.GetAttribute(ctx, "a")
		require.NoError(t, err)
		assert.True(t, ok, "other hubs keep their attributes")
		assert.Equal(t, int64(2), v)

		require.NoError(t, attributehub.Delete(ctx, db, "other", "note:89992c23"))
		require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.custom_attribute`).Scan(&n).Error)
		assert.Zero(t, n)
		assert.ErrorIs(t, attributehub.Delete(ctx, db, "other", "note:89992c23"), attributehub.ErrHubNotFound)
	})
}

func TestHubLimits(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	max := strings.Repeat("ü", attributehub.MaxHubField) // 100 characters, 200 bytes
	cases := []struct {
		name    string
		typ, id string
		ok      bool
	}{
		{"100 characters", max, max, true},
		{"type of 101", max + "x", "id", false},
		{"id of 101", "t", max + "x", false},
		{"empty type", "", "id", false},
		{"empty id", "t", "", false},
		{"NUL", "t", "a\x00", false},
		{"bad UTF-8", "\xff", "id", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := attributehub.Create(ctx, db, c.typ, c.id)
			_, _, err2 := attributehub.GetOrCreate(ctx, db, c.typ, c.id)
			if c.ok {
				assert.NoError(t, err)
				assert.NoError(t, err2)
				return
			}
			assert.ErrorIs(t, err, attributehub.ErrInvalidHub)
			assert.ErrorIs(t, err2, attributehub.ErrInvalidHub)
			_, err = attributehub.Get(ctx, db, c.typ, c.id)
			assert.ErrorIs(t, err, attributehub.ErrInvalidHub)
			assert.ErrorIs(t, attributehub.Delete(ctx, db, c.typ, c.id), attributehub.ErrInvalidHub)
		})
	}
	var n int64
	require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.attribute_hub`).Scan(&n).Error)
	assert.EqualValues(t, 1, n, "only the valid hub was written")

	_, err := attributehub.Create(ctx, db, "t", max+"x")
	assert.Contains(t, err.Error(), "101 characters")
}

func TestConcurrentGetOrCreate(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	const n = 32
	var wg sync.WaitGroup
	hubs := make([]*attributehub.Hub, n)
	created := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			hubs[i], created[i], errs[i] = attributehub.GetOrCreate(ctx, db, "shared", "one")
		})
	}
	close(start)
	wg.Wait()
	creators := 0
	for i := range n {
		require.NoError(t, errs[i], "goroutine %d", i)
		assert.Equal(t, hubs[0].DBID, hubs[i].DBID)
		if created[i] {
			creators++
		}
	}
	assert.Equal(t, 1, creators, "exactly one caller created the hub")
	var rows int64
	require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.attribute_hub`).Scan(&rows).Error)
	assert.EqualValues(t, 1, rows)
}

func TestListAndLoad(t *testing.T) {
	t.Parallel()
	db, _ := newDB(t)
	ctx := context.Background()
	for _, id := range []string{"c", "a", "b"} {
		h, err := attributehub.Create(ctx, db, "task", id)
		require.NoError(t, err)
		if id != "b" {
			require.NoError(t, h.SetAttributes(ctx, map[string]any{"title": "T" + id, "done": id == "a", "none": nil}))
		}
	}
	_, err := attributehub.Create(ctx, db, "other", "z")
	require.NoError(t, err)

	hubs, err := attributehub.List(ctx, db, "task")
	require.NoError(t, err)
	ids := func(hs []*attributehub.Hub) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	assert.Equal(t, []string{"a", "b", "c"}, ids(hubs))

	all, err := attributehub.ListWithAttributes(ctx, db, "task", attributehub.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, "a", all[0].ID)
	assert.Equal(t, map[string]any{"title": "Ta", "done": true, "none": nil}, all[0].Values)
	assert.Equal(t, map[string]any{}, all[1].Values, "a hub without attributes is listed")
	title, ok, err := attributehub.Value[string](all[2].Values, "title")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "Tc", title)

	only, err := attributehub.ListWithAttributes(ctx, db, "task", attributehub.LoadOptions{Only: []string{"done"}})
	require.NoError(t, err)
	require.Len(t, only, 3)
	assert.Equal(t, map[string]any{"done": true}, only[0].Values)
	assert.Equal(t, map[string]any{"done": false}, only[2].Values)

	loaded, err := attributehub.Load(ctx, db, []*attributehub.Hub{hubs[2], hubs[1], hubs[0]}, attributehub.LoadOptions{Only: []string{"title"}})
	require.NoError(t, err)
	require.Len(t, loaded, 3)
	assert.Equal(t, "c", loaded[0].ID, "Load keeps the order of its input")
	assert.Equal(t, map[string]any{"title": "Tc"}, loaded[0].Values)
	assert.Equal(t, map[string]any{}, loaded[1].Values)
	assert.Equal(t, map[string]any{"title": "Ta"}, loaded[2].Values)

	// A loaded hub is a full hub: its methods work.
	require.NoError(t, loaded[1].SetAttribute(ctx, "title", "Tb"))

	empty, err := attributehub.List(ctx, db, "nothing")
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestNotScoped(t *testing.T) {
	t.Parallel()
	_, admin := newDB(t)
	ctx := context.Background()
	_, err := attributehub.Create(ctx, admin, "t", "i")
	assert.ErrorIs(t, err, scope.ErrNotScoped)
	_, err = attributehub.List(ctx, admin, "t")
	assert.ErrorIs(t, err, scope.ErrNotScoped)
}

func TestNilHubString(t *testing.T) {
	t.Parallel()
	var h *attributehub.Hub
	assert.NotPanics(t, func() { _ = h.String() })
	assert.Equal(t, "<nil>", h.String())
	assert.Equal(t, "note_state/note:1", (&attributehub.Hub{Type: "note_state", ID: "note:1"}).String())
}

// TestDeleteWhileAttributeInsertInFlight: an attribute inserted by another
// session while Delete runs goes with the hub; Delete neither fails nor
// reports ErrHubNotFound for a hub that exists.
func TestDeleteWhileAttributeInsertInFlight(t *testing.T) {
	t.Parallel()
	db, admin := newDB(t)
	ctx := context.Background()
	cases := []struct {
		name string
		del  func(h *attributehub.Hub) error
	}{
		{"Delete", func(h *attributehub.Hub) error { return attributehub.Delete(ctx, db, h.Type, h.ID) }},
		{"Hub.Delete", func(h *attributehub.Hub) error { return h.Delete(ctx) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := attributehub.Create(ctx, db, "race", c.name)
			require.NoError(t, err)
			require.NoError(t, h.SetAttribute(ctx, "early", 1))

			// Another session inserts an attribute and has not committed.
			tx := admin.Begin()
			require.NoError(t, tx.Error)
			defer tx.Rollback()
			var pid int64
			require.NoError(t, tx.Raw(`SELECT pg_backend_pid()`).Scan(&pid).Error)
			require.NoError(t, tx.Exec(`INSERT INTO acme__hub_test.custom_attribute (hub_id, name, int_value) VALUES (?, 'late', 2)`, h.DBID).Error)

			done := make(chan error, 1)
			go func() { done <- c.del(h) }()
			// Commit once Delete waits for the inserting session.
			require.Eventually(t, func() bool {
				var n int64
				err := admin.Raw(`SELECT count(*) FROM pg_stat_activity WHERE CAST(? AS integer) = ANY(pg_blocking_pids(pid))`, pid).Scan(&n).Error
				return err == nil && n > 0
			}, time.Minute, 5*time.Millisecond, "Delete waits for the inserting transaction")
			require.NoError(t, tx.Commit().Error)

			require.NoError(t, <-done)
			_, err = attributehub.Get(ctx, db, h.Type, h.ID)
			assert.ErrorIs(t, err, attributehub.ErrHubNotFound, "the hub is gone")
			var n int64
			require.NoError(t, admin.Raw(`SELECT count(*) FROM acme__hub_test.custom_attribute WHERE hub_id = ?`, h.DBID).Scan(&n).Error)
			assert.Zero(t, n, "its attributes, the late one too, went with it")
		})
	}
}

// TestLoadRefusesHubsOfAnotherNamespace: a hub from namespace B passed to
// Load with namespace A's DB is refused, not read by dbid from A's table.
func TestLoadRefusesHubsOfAnotherNamespace(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	dbA, dbB := d.Scoped(t, "acme__a"), d.Scoped(t, "acme__b")
	ctx := context.Background()
	inA, err := attributehub.Create(ctx, dbA, "t", "in_a")
	require.NoError(t, err)
	require.NoError(t, inA.SetAttribute(ctx, "secret", "a's data"))
	inB, err := attributehub.Create(ctx, dbB, "t", "in_b")
	require.NoError(t, err)
	require.Equal(t, inA.DBID, inB.DBID, "same dbid in both namespaces")

	_, err = attributehub.Load(ctx, dbA, []*attributehub.Hub{inA, inB}, attributehub.LoadOptions{})
	require.ErrorIs(t, err, attributehub.ErrInvalidHub)
	assert.Contains(t, err.Error(), "t/in_b")

	got, err := attributehub.Load(ctx, dbB, []*attributehub.Hub{inB}, attributehub.LoadOptions{})
	require.NoError(t, err)
	assert.Empty(t, got[0].Values, "B's hub has no attributes")
}
