//go:build !unix

package sdkmodel_test

import "time"

// cpuTime is zero where getrusage is missing: the cpu-ms/op metric then
// reads 0.
func cpuTime() time.Duration { return 0 }
