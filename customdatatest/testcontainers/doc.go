// Package testcontainers runs the tests of a plugin written with customdata
// against PostgreSQL in a Docker container, with testcontainers-go.
//
// It needs a running Docker engine (or another engine testcontainers-go
// supports). Without one, Start returns an error that wraps ErrNoDocker. It
// is a module of its own so that the customdata module does not depend on
// Docker's client libraries; add it to a plugin's go.mod only to use it:
//
//	go get github.com/canvas-sdk-go/customdata/customdatatest/testcontainers
//
// (Until customdata has a tagged release, this module's go.mod reaches the
// SDK through a replace directive, which Go ignores in dependencies: use it
// from a checkout with a go.work file, or add the same replace to your own
// go.mod.)
//
// Most plugins do not need it: customdatatest finds a server by itself
// (DATABASE_URL, a throwaway cluster from local PostgreSQL binaries, or
// localhost:5432). Use this module where none of those is at hand but Docker
// is:
//
//	func TestMain(m *testing.M) { testcontainers.Main(m) }
//
//	func TestNoteTags(t *testing.T) {
//		db := customdatatest.New(t) // a database on the container's server
//		...
//	}
//
// Main starts one postgres:15 container for the test process, points
// DATABASE_URL at it (so customdatatest uses it), runs the tests and removes
// the container. If DATABASE_URL is already set, Main uses that server and
// starts no container.
package testcontainers
