//go:build unix

package pgcluster_test

import (
	"context"
	"fmt"

	"github.com/canvas-sdk-go/customdata/internal/pgcluster"
)

// Start a throwaway cluster, use its DSN, stop it.
func ExampleStart() {
	c, err := pgcluster.Start(context.Background(), pgcluster.Options{})
	if err != nil {
		fmt.Println(err) // e.g. ErrNoBinaries: apt-get install -y postgresql, or set DATABASE_URL
		return
	}
	defer c.Stop()
	fmt.Println(c.DSN()) // postgres://postgres@/postgres?host=%2Ftmp%2Fcustomdata-pg-...&sslmode=disable
}
