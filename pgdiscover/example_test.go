package pgdiscover_test

import (
	"context"
	"fmt"

	"github.com/canvas-sdk-go/customdata/pgdiscover"
)

// Find returns the first server that answers; Close stops a throwaway
// cluster and removes its directory.
func ExampleFind() {
	ctx := context.Background()
	srv, err := pgdiscover.Find(ctx)
	if err != nil {
		fmt.Println(err) // it lists the ways to provide a server
		return
	}
	defer srv.Close()
	var one int
	if err := srv.DB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("connected:", one == 1)
	// Output: connected: true
}
