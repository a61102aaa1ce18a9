// Package nscache lets packages that cache something per namespace (built
// statements, say) drop it when the namespace is dropped in this process,
// so that a long-running process that creates and drops many namespaces
// does not keep what it built for each.
//
// Packages register a function at init with OnForget; namespace.Manager's
// Drop calls Forget once the namespace is gone.
package nscache

import "sync"

var (
	mu        sync.RWMutex
	forgetter []func(ns string)
)

// OnForget registers f to be called with the name of every namespace this
// process drops. f must be quick and safe for concurrent use.
func OnForget(f func(ns string)) {
	mu.Lock()
	defer mu.Unlock()
	forgetter = append(forgetter, f)
}

// Forget calls every registered function with ns.
func Forget(ns string) {
	mu.RLock()
	fs := forgetter
	mu.RUnlock()
	for _, f := range fs {
		f(ns)
	}
}
