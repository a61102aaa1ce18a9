package testcontainers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tc "github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/canvas-sdk-go/customdata/customdatatest"
)

// DefaultImage is the image Start runs.
const DefaultImage = "postgres:15"

// ErrNoDocker means no container engine answered.
var ErrNoDocker = errors.New("customdata testcontainers: no Docker engine reachable; start Docker (or set DOCKER_HOST), " +
	"or drop this module and let customdatatest use DATABASE_URL, local PostgreSQL binaries or localhost:5432")

// healthTimeout bounds the check that Docker answers.
const healthTimeout = 20 * time.Second

// Start runs a DefaultImage container and returns a DATABASE_URL-style DSN
// for its superuser and a function that removes the container.
func Start(ctx context.Context) (dsn string, terminate func(), err error) {
	return StartImage(ctx, DefaultImage)
}

// StartImage is Start with another PostgreSQL image (15 or newer).
func StartImage(ctx context.Context, image string) (dsn string, terminate func(), err error) {
	defer func() {
		// testcontainers-go panics in some setups without Docker.
		if r := recover(); r != nil {
			dsn, terminate, err = "", nil, fmt.Errorf("%w (%v)", ErrNoDocker, r)
		}
	}()
	if err := dockerHealthy(ctx); err != nil {
		return "", nil, err
	}
	ctr, err := tcpostgres.Run(ctx, image,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"),
		tcpostgres.BasicWaitStrategies(),
	)
	terminate = func() {
		if ctr != nil {
			_ = tc.TerminateContainer(ctr)
		}
	}
	if err != nil {
		terminate()
		return "", nil, fmt.Errorf("customdata testcontainers: start %s container: %w", image, err)
	}
	dsn, err = ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		terminate()
		return "", nil, fmt.Errorf("customdata testcontainers: connection string of %s container: %w", image, err)
	}
	return dsn, terminate, nil
}

// dockerHealthy checks that the container engine answers, within
// healthTimeout.
func dockerHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	provider, err := tc.ProviderDefault.GetProvider()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	defer provider.Close()
	if err := provider.Health(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	return nil
}

// Main starts a container (unless DATABASE_URL is set), points DATABASE_URL
// at it, runs the tests of m, removes the container and exits with the
// tests' code. Call it from TestMain. Without Docker it prints why and exits
// with status 1.
func Main(m *testing.M) {
	if strings.TrimSpace(os.Getenv("DATABASE_URL")) != "" {
		customdatatest.Main(m)
		return
	}
	dsn, terminate, err := Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := run(m, dsn)
	terminate()
	os.Exit(code)
}

// run runs the tests with DATABASE_URL set to dsn.
func run(m *testing.M, dsn string) int {
	if err := os.Setenv("DATABASE_URL", dsn); err != nil {
		fmt.Fprintln(os.Stderr, "customdata testcontainers:", err)
		return 1
	}
	code := m.Run()
	if err := customdatatest.Shutdown(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "customdata testcontainers:", err)
		code = 1
	}
	return code
}
