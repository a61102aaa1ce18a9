package pgxconn_test

import (
	"testing"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
