package testcontainers_test

import (
	"testing"

	"github.com/canvas-sdk-go/customdata/customdatatest"
	"github.com/canvas-sdk-go/customdata/customdatatest/testcontainers"
)

// A plugin's tests against PostgreSQL in Docker.
func ExampleMain() {
	var testMain func(m *testing.M) = testcontainers.Main
	// In a _test.go file: func TestMain(m *testing.M) { testcontainers.Main(m) }
	_ = testMain

	testSomething := func(t *testing.T) {
		db := customdatatest.New(t) // on the container's server
		_ = db
	}
	_ = testSomething
}
