package attributehub_test

import (
	"testing"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestMain stops the throwaway PostgreSQL cluster (if the tests started one)
// and removes its directory when the tests end.
func TestMain(m *testing.M) { testdb.Main(m) }
