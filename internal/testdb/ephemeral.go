package testdb

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/canvas-sdk-go/customdata/pgdiscover"
)

// NoEphemeralEnv is the environment variable that, set to anything but "" or
// "0", skips the throwaway cluster: without DATABASE_URL the tests then use
// the server on localhost:5432.
const NoEphemeralEnv = pgdiscover.NoEphemeralEnv

// errShutdown is what server returns after Shutdown.
var errShutdown = errors.New("testdb: Shutdown was called; this process makes no more test databases")

// Main runs the tests of m, then Shutdown, then exits with the tests' code.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// Without it an ephemeral cluster still goes away when the test process
// ends (see package pgcluster), but Main stops it cleanly and removes its
// directory at once.
func Main(m *testing.M) {
	code := m.Run()
	if err := Shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "customdata:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Shutdown closes the admin pool and stops the ephemeral cluster if this
// process started one. Databases of a server the process did not start are
// left as they are (failed tests' databases stay for inspection). After
// Shutdown, New and Create fail.
func Shutdown() error {
	serverMu.Lock()
	defer serverMu.Unlock()
	srv := serverVal
	serverDone, serverVal, serverErr = true, nil, errShutdown
	if srv == nil {
		return nil
	}
	return srv.Close()
}
