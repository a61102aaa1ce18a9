package custommodel_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// A three-level CASCADE chain (DelOrg <- DelTeam <- DelMember), a SET_NULL
// link (DelBadge -> DelMember), a PROTECT link (DelContract -> DelTeam) and
// a RESTRICT link (DelAssignment -> DelMember, which also cascades from
// DelTeam).
type DelOrg struct {
	custommodel.CustomModel
	Name  string
	Teams []DelTeam `gorm:"foreignKey:OrgID"`
}

type DelTeam struct {
	custommodel.CustomModel
	OrgID int64   `customdata:"on_delete:CASCADE"`
	Org   *DelOrg `gorm:"foreignKey:OrgID"`
	Name  string
}

type DelMember struct {
	custommodel.CustomModel
	TeamID int64
	Team   *DelTeam `gorm:"foreignKey:TeamID" customdata:"on_delete:cascade"`
	Name   string
}

type DelBadge struct {
	custommodel.CustomModel
	MemberID *int64     `customdata:"on_delete:SET_NULL"`
	Member   *DelMember `gorm:"foreignKey:MemberID"`
	Label    string
}

type DelContract struct {
	custommodel.CustomModel
	TeamID int64    `customdata:"on_delete:PROTECT"`
	Team   *DelTeam `gorm:"foreignKey:TeamID"`
}

type DelAssignment struct {
	custommodel.CustomModel
	MemberID int64      `customdata:"on_delete:RESTRICT"`
	Member   *DelMember `gorm:"foreignKey:MemberID"`
	TeamID   int64      `customdata:"on_delete:CASCADE"`
	Team     *DelTeam   `gorm:"foreignKey:TeamID"`
}

// DelTask is the third CASCADE level: DelOrg <- DelTeam <- DelMember <-
// DelTask.
type DelTask struct {
	custommodel.CustomModel
	MemberID int64      `customdata:"on_delete:CASCADE"`
	Member   *DelMember `gorm:"foreignKey:MemberID"`
}

// DelNoteLog links to an SDK model: no policy there.
type DelNoteLog struct {
	custommodel.CustomModel
	NoteID int64
	Note   *sdkmodel.Note `gorm:"foreignKey:NoteID;references:DBID"`
}

const delNS = "acme__delete_test"

var delModels = []any{&DelOrg{}, &DelTeam{}, &DelMember{}, &DelTask{}, &DelBadge{}, &DelContract{}, &DelAssignment{}, &DelNoteLog{}}

type counts map[string]int64

func (e *env) counts(t *testing.T) counts {
	t.Helper()
	c := counts{}
	for _, tb := range []string{"delorg", "delteam", "delmember", "deltask", "delbadge", "delcontract", "delassignment"} {
		c[tb] = e.count(t, tb)
	}
	return c
}

// seedOrg makes an org with two teams of three members, each member with a
// task and a badge.
func seedOrg(t *testing.T, db *gorm.DB, name string) (*DelOrg, []DelTeam, []DelMember) {
	t.Helper()
	org := &DelOrg{Name: name}
	require.NoError(t, db.Create(org).Error)
	var teams []DelTeam
	var members []DelMember
	for i := range 2 {
		team := DelTeam{OrgID: org.DBID, Name: name + "-team"}
		require.NoError(t, db.Create(&team).Error)
		teams = append(teams, team)
		for range 3 {
			m := DelMember{TeamID: team.DBID, Name: "m"}
			require.NoError(t, db.Create(&m).Error)
			members = append(members, m)
			require.NoError(t, db.Create(&DelBadge{MemberID: &m.DBID, Label: "b"}).Error)
			require.NoError(t, db.Create(&DelTask{MemberID: m.DBID}).Error)
		}
		_ = i
	}
	return org, teams, members
}

// orphans counts rows whose policy link points to no row.
func (e *env) orphans(t *testing.T) int64 {
	t.Helper()
	var n int64
	require.NoError(t, e.d.DB.Raw(`SELECT
 (SELECT count(*) FROM acme__delete_test.delteam c WHERE NOT EXISTS (SELECT 1 FROM acme__delete_test.delorg p WHERE p.dbid = c.org_id)) +
 (SELECT count(*) FROM acme__delete_test.delmember c WHERE NOT EXISTS (SELECT 1 FROM acme__delete_test.delteam p WHERE p.dbid = c.team_id)) +
 (SELECT count(*) FROM acme__delete_test.deltask c WHERE NOT EXISTS (SELECT 1 FROM acme__delete_test.delmember p WHERE p.dbid = c.member_id)) +
 (SELECT count(*) FROM acme__delete_test.delbadge c WHERE c.member_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM acme__delete_test.delmember p WHERE p.dbid = c.member_id))`).Scan(&n).Error)
	return n
}

func TestDeleteCascadeChain(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"custommodel.Delete", "db.Delete"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, delNS, delModels...)
			ctx := context.Background()
			org, _, _ := seedOrg(t, e.db, "a")
			seedOrg(t, e.db, "b") // untouched
			before := e.counts(t)
			assert.Equal(t, counts{"delorg": 2, "delteam": 4, "delmember": 12, "deltask": 12, "delbadge": 12, "delcontract": 0, "delassignment": 0}, before)
			if via == "db.Delete" {
				res := e.db.Delete(org)
				require.NoError(t, res.Error)
				assert.Equal(t, int64(1), res.RowsAffected)
			} else {
				del, err := custommodel.Delete(ctx, e.db, org)
				require.NoError(t, err)
				assert.Equal(t, map[string]int64{"DelOrg": 1, "DelTeam": 2, "DelMember": 6, "DelTask": 6}, del.Rows)
				assert.Equal(t, map[string]int64{"DelBadge": 6}, del.Nulled)
				assert.Equal(t, int64(15), del.Total())
			}
			after := e.counts(t)
			t.Logf("before %v, after %v", before, after)
			assert.Equal(t, counts{"delorg": 1, "delteam": 2, "delmember": 6, "deltask": 6, "delbadge": 12, "delcontract": 0, "delassignment": 0}, after)
			var nulled int64
			require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM acme__delete_test.delbadge WHERE member_id IS NULL`).Scan(&nulled).Error)
			assert.Equal(t, int64(6), nulled, "SET_NULL badges of the deleted members")
			assert.Zero(t, e.orphans(t))
		})
	}
}

func TestDeleteSetNull(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	ctx := context.Background()
	_, _, members := seedOrg(t, e.db, "a")
	before := e.counts(t)
	del, err := custommodel.Delete(ctx, e.db, []DelMember{members[0], members[1]})
	require.NoError(t, err)
	after := e.counts(t)
	t.Logf("before %v, after %v", before, after)
	assert.Equal(t, map[string]int64{"DelMember": 2, "DelTask": 2}, del.Rows)
	assert.Equal(t, map[string]int64{"DelBadge": 2}, del.Nulled)
	assert.Equal(t, before["delmember"]-2, after["delmember"])
	assert.Equal(t, before["delbadge"], after["delbadge"])
	var b DelBadge
	require.NoError(t, e.db.Where("label = ? AND member_id IS NULL", "b").First(&b).Error)
	assert.Nil(t, b.MemberID)
	assert.Zero(t, e.orphans(t))
}

func TestDeleteProtect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	ctx := context.Background()
	org, teams, _ := seedOrg(t, e.db, "a")
	for range 2 {
		require.NoError(t, e.db.Create(&DelContract{TeamID: teams[1].DBID}).Error)
	}
	before := e.counts(t)
	for _, via := range []string{"Delete team", "Delete org (cascades to the team)", "db.Delete team"} {
		t.Run(via, func(t *testing.T) {
			var err error
			switch via {
			case "Delete team":
				_, err = custommodel.Delete(ctx, e.db, &teams[1])
			case "db.Delete team":
				err = e.db.Delete(&teams[1]).Error
			default:
				_, err = custommodel.Delete(ctx, e.db, org)
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, custommodel.ErrProtected)
			assert.NotErrorIs(t, err, custommodel.ErrRestricted)
			var refused *custommodel.DeleteRefusedError
			require.ErrorAs(t, err, &refused)
			assert.Equal(t, "DelContract", refused.By)
			assert.Equal(t, 2, refused.Count)
			assert.ErrorContains(t, err, "2 DelContract rows link to them through DelContract.TeamID (on_delete PROTECT)")
			assert.Equal(t, before, e.counts(t), "nothing deleted, nothing set to NULL")
		})
	}
	// A global delete applies the policies too.
	err := e.db.Session(&gorm.Session{AllowGlobalUpdate: true}).Delete(&DelContract{}).Error
	require.NoError(t, err)
	require.NoError(t, e.db.Session(&gorm.Session{AllowGlobalUpdate: true}).Delete(&DelMember{}).Error)
	after := e.counts(t)
	assert.Zero(t, after["delmember"])
	assert.Equal(t, before["delbadge"], after["delbadge"])
	var nulled int64
	require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM acme__delete_test.delbadge WHERE member_id IS NULL`).Scan(&nulled).Error)
	assert.Equal(t, before["delbadge"], nulled, "every badge's member was deleted: SET_NULL")
	// Without contracts the other team goes.
	_, err = custommodel.Delete(ctx, e.db, &teams[0])
	require.NoError(t, err)
	assert.Equal(t, before["delteam"]-1, e.counts(t)["delteam"])
}

func TestDeleteRestrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	ctx := context.Background()
	_, teams, members := seedOrg(t, e.db, "a")
	require.NoError(t, e.db.Create(&DelAssignment{MemberID: members[0].DBID, TeamID: teams[0].DBID}).Error)
	before := e.counts(t)
	_, err := custommodel.Delete(ctx, e.db, &members[0])
	assert.ErrorIs(t, err, custommodel.ErrRestricted)
	assert.ErrorContains(t, err, "cannot delete DelMember rows: 1 DelAssignment rows link to them through DelAssignment.MemberID (on_delete RESTRICT)")
	assert.Equal(t, before, e.counts(t))
	// Deleting the team cascades to the member and to the assignment: the
	// RESTRICT link is then satisfied, as in Django.
	del, err := custommodel.Delete(ctx, e.db, &teams[0])
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"DelTeam": 1, "DelMember": 3, "DelTask": 3, "DelAssignment": 1}, del.Rows)
	assert.Zero(t, e.counts(t)["delassignment"])
}

// TestDeleteConcurrentInsert: a member created while its org is being
// deleted either commits first and is deleted with it, or waits and is
// refused; no member is left pointing to a deleted team.
func TestDeleteConcurrentInsert(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	ctx := context.Background()

	t.Run("insert first, then cascade", func(t *testing.T) {
		org, teams, _ := seedOrg(t, e.db, "x")
		tx := e.db.Begin()
		require.NoError(t, tx.Error)
		// The insert locks the team (FOR KEY SHARE) until it commits.
		require.NoError(t, tx.Create(&DelMember{TeamID: teams[0].DBID, Name: "late"}).Error)
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

	t.Run("cascade first, then insert", func(t *testing.T) {
		org, teams, _ := seedOrg(t, e.db, "y")
		tx := e.db.Begin()
		require.NoError(t, tx.Error)
		_, err := custommodel.Delete(ctx, tx, org) // locks org, teams, members until commit
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() { done <- e.db.Create(&DelMember{TeamID: teams[0].DBID, Name: "late"}).Error }()
		waitForLockWait(t, e)
		require.NoError(t, tx.Commit().Error)
		err = <-done
		assert.ErrorIs(t, err, custommodel.ErrMissingLink)
		assert.ErrorContains(t, err, "DelMember.TeamID")
		assert.Zero(t, e.orphans(t))
	})

	t.Run("many writers during cascades", func(t *testing.T) {
		var orgs []*DelOrg
		var teams []DelTeam
		for range 4 {
			o, ts, _ := seedOrg(t, e.db, "z")
			orgs = append(orgs, o)
			teams = append(teams, ts...)
		}
		var wg sync.WaitGroup
		var refused, created int64
		var mu sync.Mutex
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					err := e.db.Create(&DelMember{TeamID: teams[(w*20+i)%len(teams)].DBID, Name: "w"}).Error
					mu.Lock()
					switch {
					case err == nil:
						created++
					case errors.Is(err, custommodel.ErrMissingLink):
						refused++
					default:
						assert.NoError(t, err)
					}
					mu.Unlock()
				}
			}()
		}
		for _, o := range orgs {
			_, err := custommodel.Delete(ctx, e.db, o)
			require.NoError(t, err)
		}
		wg.Wait()
		t.Logf("%d members created, %d refused during the cascades", created, refused)
		assert.Zero(t, e.orphans(t))
		var teamsLeft int64
		require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM acme__delete_test.delteam WHERE name = 'z-team'`).Scan(&teamsLeft).Error)
		assert.Zero(t, teamsLeft)
	})
}

// waitForLockWait returns once some session of the test database waits for
// a row lock.
func waitForLockWait(t *testing.T, e *env) {
	t.Helper()
	for range 2000 {
		var n int64
		require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n).Error)
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no session started waiting for the lock")
}

func TestDeleteDeclarationErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		model any
		want  string
	}{
		{"gorm constraint tag", &BadConstraint{}, `field Org: has GORM's constraint tag "OnDelete:CASCADE", which does nothing here (custom tables have no REFERENCES constraints); declare it on the link as customdata:"on_delete:CASCADE"`},
		{"unknown policy", &BadPolicy{}, `field OrgID: has an unknown delete policy "EXPLODE"`},
		{"policy on a link to an SDK model", &BadSDKPolicy{}, "declares on_delete:CASCADE on a link to the SDK model Note; remove it: links to SDK models have no delete policy (the platform deletes those rows, not plugins)"},
		{"set null on a non-pointer", &BadSetNull{}, "field OrgID: is declared on_delete:SET_NULL but cannot hold NULL; declare it as *int64"},
		{"policy on a plain column", &BadPlainPolicy{}, "field Count: declares a delete policy but is not a link"},
		{"default left to the database", &BadDefaultFunc{}, `field At: declares default "now()", which would be left to the database`},
		{"default null", &BadDefaultNull{}, `field Label: declares default "null"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := custommodel.DDL(delNS, c.model, &DelOrg{})
			require.Error(t, err)
			assert.ErrorIs(t, err, custommodel.ErrDeclaration)
			assert.ErrorContains(t, err, c.want)
		})
	}
}

// TestPolicyLinkWrites: GORM writes that set a policy link refuse a
// missing target and write nothing; links without a policy are not
// checked.
func TestPolicyLinkWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, delNS, delModels...)
	_, teams, members := seedOrg(t, e.db, "a")
	before := e.counts(t)
	cases := []struct {
		name  string
		write func() error
	}{
		{"create", func() error { return e.db.Create(&DelMember{TeamID: 987654, Name: "ghost"}).Error }},
		{"create in batch", func() error {
			return e.db.Create(&[]DelMember{{TeamID: teams[0].DBID}, {TeamID: 987654}}).Error
		}},
		{"updates with a struct", func() error { return e.db.Model(&members[0]).Updates(DelMember{TeamID: 987654}).Error }},
		{"update of one column", func() error { return e.db.Model(&members[0]).Update("team_id", 987654).Error }},
		{"save", func() error { m := members[1]; m.TeamID = 987654; return e.db.Save(&m).Error }},
		{"updates with a map by field name", func() error {
			return e.db.Model(&DelMember{}).Where("dbid = ?", members[2].DBID).Updates(map[string]any{"TeamID": 987654}).Error
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.write()
			assert.ErrorIs(t, err, custommodel.ErrMissingLink)
			assert.ErrorContains(t, err, "DelMember.TeamID = 987654: no DelTeam row has dbid 987654")
			assert.Equal(t, before, e.counts(t))
			var m DelMember
			require.NoError(t, e.db.First(&m, members[0].DBID).Error)
			assert.Equal(t, teams[0].DBID, m.TeamID)
		})
	}
	require.NoError(t, e.db.Model(&members[0]).Update("team_id", teams[1].DBID).Error)
	// An expression the database computes is not taken for a key.
	require.NoError(t, e.db.Model(&members[0]).Update("team_id", gorm.Expr("team_id")).Error)
	// A link without a policy (here to an SDK model) is not checked.
	require.NoError(t, e.db.Create(&DelNoteLog{NoteID: 424242}).Error)
}

// TestDeleteModelWithoutTable: the policies of a model registered in the
// process but not installed in this namespace are skipped.
func TestDeleteModelWithoutTable(t *testing.T) {
	t.Parallel()
	require.NoError(t, custommodel.Register(delModels...))
	e := newEnv(t, "acme__delete_partial", &DelOrg{}, &DelTeam{})
	org := &DelOrg{Name: "o"}
	require.NoError(t, e.db.Create(org).Error)
	require.NoError(t, e.db.Create(&DelTeam{OrgID: org.DBID}).Error)
	del, err := custommodel.Delete(context.Background(), e.db, org)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"DelOrg": 1, "DelTeam": 1}, del.Rows)
}
