// Package bench is the engine of cmd/customdata-bench, a developer tool that
// measures the SDK's hot paths, opens and installs against hand-written pgx
// and plain GORM, side by side in one process. It is not part of the SDK and
// uses the test kit (internal/testdb) to find a server and make a database.
//
// Run makes a database, installs a namespace through a namespace.Manager,
// and runs every operation's variants (sdk, pgx, pgx-select, gorm, pgxpool)
// in rounds, in a rotating order. Per variant it reports calls per second
// (median, min and max of the rounds), p50 and p99 latency, the process's
// CPU time per call (getrusage), heap allocations per call
// (runtime.MemStats) and round trips per call; on sdk
// rows, the median over rounds of the SDK's rate over each baseline's.
//
// Round trips are counted by a TCP proxy in the process (tripProxy) in front
// of a second set of clients: one round trip each time a client sends after
// it has received. The SDK's handle pools offer no tracer hook, so the proxy
// counts every variant alike; the timed clients connect directly.
//
// Statements lists, by shape, what the Manager sends for an install, a
// re-install and a cached Open.
//
// The install benchmarks' models (M000 to M099) are generated:
//
//go:generate go run ./genmodels
package bench
