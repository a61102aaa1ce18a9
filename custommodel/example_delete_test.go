package custommodel_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/scope"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// Delete policies: an org's teams and their members go with it (CASCADE,
// two levels), the members' badges lose their member (SET_NULL), and a
// team with a contract cannot be deleted (PROTECT). The models are
// declared in delete_test.go:
//
//	type DelTeam struct {
//		custommodel.CustomModel
//		OrgID int64   `customdata:"on_delete:CASCADE"`
//		Org   *DelOrg `gorm:"foreignKey:OrgID"`
//		Name  string
//	}
func ExampleDelete() {
	ctx := context.Background()
	d, err := testdb.Create(ctx, testdb.Config{}) // a plugin uses its handle's DB(ctx)
	if err != nil {
		panic(err)
	}
	defer func() { _ = d.Drop(ctx) }()
	const ns = "acme__delete_example"
	stmts, err := custommodel.DDL(ns, &DelOrg{}, &DelTeam{}, &DelMember{}, &DelTask{}, &DelBadge{}, &DelContract{}, &DelAssignment{})
	if err != nil {
		panic(err)
	}
	for _, s := range append([]string{`CREATE SCHEMA ` + ns}, stmts...) {
		if err := d.DB.Exec(s).Error; err != nil {
			panic(err)
		}
	}
	sqlDB, _ := d.DB.DB()
	db, err := scope.Open(sqlDB, ns, scope.Options{})
	if err != nil {
		panic(err)
	}
	if err := custommodel.RegisterCallbacks(db); err != nil {
		panic(err)
	}

	org := &DelOrg{Name: "acme"}
	db.Create(org)
	for _, name := range []string{"red", "blue"} {
		team := &DelTeam{OrgID: org.DBID, Name: name}
		db.Create(team)
		for range 2 {
			m := &DelMember{TeamID: team.DBID}
			db.Create(m)
			db.Create(&DelBadge{MemberID: &m.DBID})
		}
		if name == "blue" {
			db.Create(&DelContract{TeamID: team.DBID})
		}
	}

	_, err = custommodel.Delete(ctx, db, org)
	fmt.Println(errors.Is(err, custommodel.ErrProtected), err)

	db.Where("team_id IS NOT NULL").Delete(&DelContract{}) // plain GORM
	deleted, err := custommodel.Delete(ctx, db, org)
	fmt.Println(deleted.Rows, deleted.Nulled, err)
	// Output:
	// true custommodel: cannot delete DelTeam rows: 1 DelContract rows link to them through DelContract.TeamID (on_delete PROTECT); delete or relink those rows first
	// map[DelMember:4 DelOrg:1 DelTeam:2] map[DelBadge:4] <nil>
}
