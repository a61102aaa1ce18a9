package custommodel_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// memberKeys hands out explicit dbids for GetOrCreate lookups by primary
// key, far from the identity's own values.
var memberKeys atomic.Int64

func nextMemberKey() int64 { return 1_000_000_000 + memberKeys.Add(1) }

// TestUpsertPolicyLinkMissing: GetOrCreate and UpdateOrCreate refuse a
// policy link to a missing row with ErrMissingLink and write nothing, as
// GORM's Create does; a link without a policy is not checked.
func TestUpsertPolicyLinkMissing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	ctx := context.Background()
	_, teams, members := seedOrg(t, e.db, "a")
	before := e.counts(t)
	cases := []struct {
		name  string
		write func() error
	}{
		{"GetOrCreate, link in the defaults", func() error {
			_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: 987654})
			return err
		}},
		{"GetOrCreate, link in the lookup", func() error {
			_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": nextMemberKey(), "team_id": int64(987654)}, &DelMember{})
			return err
		}},
		{"UpdateOrCreate, new row", func() error {
			_, _, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: 987654})
			return err
		}},
		{"UpdateOrCreate, relinking an existing row", func() error {
			_, _, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"dbid": members[0].DBID}, &DelMember{TeamID: 987654}, "team_id")
			return err
		}},
		{"GetOrCreate in a transaction", func() error {
			tx := e.db.Begin()
			require.NoError(t, tx.Error)
			defer tx.Rollback()
			_, _, err := custommodel.GetOrCreate(ctx, tx, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: 987654})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.write()
			require.ErrorIs(t, err, custommodel.ErrMissingLink)
			assert.ErrorContains(t, err, "DelMember.TeamID = 987654: no DelTeam row has dbid 987654")
			assert.Equal(t, before, e.counts(t))
			var m DelMember
			require.NoError(t, e.db.First(&m, members[0].DBID).Error)
			assert.Equal(t, teams[0].DBID, m.TeamID)
		})
	}
	// An existing target is fine, found or created, and a link without a
	// policy (to an SDK model) is not checked.
	m, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: teams[1].DBID})
	require.NoError(t, err)
	assert.True(t, created)
	again, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": m.DBID}, &DelMember{TeamID: teams[1].DBID})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, m.DBID, again.DBID)
	_, created, err = custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"dbid": m.DBID}, &DelMember{TeamID: teams[0].DBID, Name: "moved"})
	require.NoError(t, err)
	assert.False(t, created)
	_, _, err = custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelNoteLog{NoteID: 424242})
	require.NoError(t, err)
}

// TestUpsertDuringCascade: a row GetOrCreate or UpdateOrCreate makes while
// a CASCADE deletes its target is either deleted with it or refused: no
// orphan.
func TestUpsertDuringCascade(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	ctx := context.Background()

	t.Run("GetOrCreate first, then cascade", func(t *testing.T) {
		org, teams, _ := seedOrg(t, e.db, "x")
		tx := e.db.Begin()
		require.NoError(t, tx.Error)
		// The statement locks the team (FOR KEY SHARE) until tx commits.
		_, created, err := custommodel.GetOrCreate(ctx, tx, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: teams[0].DBID, Name: "late"})
		require.NoError(t, err)
		require.True(t, created)
		done := make(chan error, 1)
		go func() {
			_, err := custommodel.Delete(ctx, e.db, org)
			done <- err
		}()
		waitForLockWait(t, e)
		require.NoError(t, tx.Commit().Error)
		require.NoError(t, <-done)
		var n int64
		require.NoError(t, e.db.Model(&DelMember{}).Where("name = ?", "late").Count(&n).Error)
		assert.Zero(t, n, "the member committed first was deleted with its team")
		assert.Zero(t, e.orphans(t))
	})

	for _, upsert := range []struct {
		name string
		call func(teamID int64) error
	}{
		{"GetOrCreate", func(teamID int64) error {
			_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: teamID, Name: "late"})
			return err
		}},
		{"UpdateOrCreate", func(teamID int64) error {
			_, _, err := custommodel.UpdateOrCreate(ctx, e.db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: teamID, Name: "late"})
			return err
		}},
	} {
		t.Run("cascade first, then "+upsert.name, func(t *testing.T) {
			org, teams, _ := seedOrg(t, e.db, "y")
			tx := e.db.Begin()
			require.NoError(t, tx.Error)
			_, err := custommodel.Delete(ctx, tx, org) // locks org, teams, members until commit
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() { done <- upsert.call(teams[0].DBID) }()
			waitForLockWait(t, e)
			require.NoError(t, tx.Commit().Error)
			err = <-done
			assert.ErrorIs(t, err, custommodel.ErrMissingLink)
			assert.ErrorContains(t, err, "DelMember.TeamID")
			assert.Zero(t, e.orphans(t))
		})

		t.Run("many "+upsert.name+" writers during cascades", func(t *testing.T) {
			var orgs []*DelOrg
			var teams []DelTeam
			for range 4 {
				o, ts, _ := seedOrg(t, e.db, "z")
				orgs = append(orgs, o)
				teams = append(teams, ts...)
			}
			var wg sync.WaitGroup
			var refused, created atomic.Int64
			started := make(chan struct{}) // closed after the writers' first rows
			var once sync.Once
			var stop atomic.Bool
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Write until the cascades are done (and at least 20 rows).
					for i := 0; i < 20 || !stop.Load(); i++ {
						err := upsert.call(teams[(w*20+i)%len(teams)].DBID)
						switch {
						case err == nil:
							if created.Add(1) >= 4 {
								once.Do(func() { close(started) })
							}
						case errors.Is(err, custommodel.ErrMissingLink):
							refused.Add(1)
						default:
							assert.NoError(t, err)
						}
					}
				}()
			}
			<-started
			for _, o := range orgs {
				_, err := custommodel.Delete(ctx, e.db, o)
				require.NoError(t, err)
			}
			stop.Store(true)
			wg.Wait()
			t.Logf("%d members created, %d refused during the cascades", created.Load(), refused.Load())
			assert.Zero(t, e.orphans(t))
		})
	}
}

// TestGetOrCreateConcurrentWithPolicyLink: 64 concurrent GetOrCreate
// calls for one new row with a policy link get that one row, no error,
// exactly one of them created.
func TestGetOrCreateConcurrentWithPolicyLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	ctx := context.Background()
	_, teams, _ := seedOrg(t, e.db, "race")
	sqlDB, err := e.db.DB()
	require.NoError(t, err)
	sqlDB.SetMaxOpenConns(64)
	key := nextMemberKey()
	const n = 64
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		errs    = make([]error, n)
		created = make([]bool, n)
		rows    = make([]*DelMember, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rows[i], created[i], errs[i] = custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": key}, &DelMember{TeamID: teams[0].DBID, Name: "racer"})
		}()
	}
	close(start)
	wg.Wait()
	nCreated := 0
	for i := range n {
		require.NoError(t, errs[i], "goroutine %d", i)
		assert.Equal(t, key, rows[i].DBID)
		assert.Equal(t, teams[0].DBID, rows[i].TeamID)
		if created[i] {
			nCreated++
		}
	}
	assert.Equal(t, 1, nCreated)
	var count int64
	require.NoError(t, e.db.Model(&DelMember{}).Where("dbid = ?", key).Count(&count).Error)
	assert.EqualValues(t, 1, count)
}

// TestUpsertPolicyLinkOneStatement: with a policy link set, GetOrCreate
// (found or created) and UpdateOrCreate are still one statement each, and
// it takes the FOR KEY SHARE lock; with the link unset, no lock.
func TestUpsertPolicyLinkOneStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A namespace of its own: GetOrCreate keeps each lookup shape's record
	// of hits per namespace name (it looks first where calls hit), and
	// other tests use delNS.
	const ns = "acme__delstmts"
	e := newEnv(t, ns, delModels...)
	_, teams, _ := seedOrg(t, e.db, "stmts")
	sqlDB, err := e.d.DB.DB()
	require.NoError(t, err)
	rec := &sqlRecorder{}
	db, err := scope.Open(sqlDB, ns, scope.Options{Logger: rec})
	require.NoError(t, err)
	require.NoError(t, custommodel.RegisterCallbacks(db))
	key := nextMemberKey()
	cases := []struct {
		name    string
		call    func() error
		locking bool
	}{
		{"GetOrCreate creates", func() error {
			_, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"dbid": key}, &DelMember{TeamID: teams[0].DBID})
			assert.True(t, created)
			return err
		}, true},
		{"GetOrCreate finds", func() error {
			_, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"dbid": key}, &DelMember{TeamID: teams[0].DBID})
			assert.False(t, created)
			return err
		}, true},
		{"UpdateOrCreate updates", func() error {
			_, created, err := custommodel.UpdateOrCreate(ctx, db, custommodel.Lookup{"dbid": key}, &DelMember{TeamID: teams[1].DBID})
			assert.False(t, created)
			return err
		}, true},
		{"GetOrCreate with the link unset", func() error {
			_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{})
			return err
		}, false},
	}
	for _, c := range cases {
		rec.take()
		require.NoError(t, c.call(), c.name)
		stmts := rec.take()
		require.Len(t, stmts, 1, "%s: %v", c.name, stmts)
		assert.Equal(t, c.locking, strings.Contains(stmts[0], "FOR KEY SHARE"), c.name)
	}
}

// BenchmarkGetOrCreatePolicyLink: the cost of locking a policy link in
// GetOrCreate's statement, side by side with the same model and the link
// left unset (no lock), for a new row and for an existing one.
func BenchmarkGetOrCreatePolicyLink(b *testing.B) {
	ctx := context.Background()
	d := testdb.NewFixture(b)
	db := d.Scoped(b, delNS)
	require.NoError(b, custommodel.RegisterCallbacks(db))
	applyDDL(b, d.DB, delNS, delModels...)
	org := &DelOrg{Name: "bench"}
	require.NoError(b, db.Create(org).Error)
	team := &DelTeam{OrgID: org.DBID}
	require.NoError(b, db.Create(team).Error)
	for _, v := range []struct {
		name   string
		teamID int64
	}{{"link_unset", 0}, {"link_set", team.DBID}} {
		b.Run("miss/"+v.name, func(b *testing.B) {
			for b.Loop() {
				if _, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"dbid": nextMemberKey()}, &DelMember{TeamID: v.teamID}); err != nil || !created {
					b.Fatal(err, created)
				}
			}
		})
		key := nextMemberKey()
		_, _, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"dbid": key}, &DelMember{TeamID: v.teamID})
		require.NoError(b, err)
		b.Run("hit/"+v.name, func(b *testing.B) {
			for b.Loop() {
				if _, created, err := custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"dbid": key}, &DelMember{TeamID: v.teamID}); err != nil || created {
					b.Fatal(err, created)
				}
			}
		})
	}
}
