package nscache_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/canvas-sdk-go/customdata/internal/nscache"
)

// TestForgetCallsEveryFunction: each registered function hears of every
// forgotten namespace, in order.
func TestForgetCallsEveryFunction(t *testing.T) {
	var mu sync.Mutex
	var heard []string
	for _, tag := range []string{"a", "b"} {
		nscache.OnForget(func(ns string) {
			mu.Lock()
			defer mu.Unlock()
			heard = append(heard, tag+":"+ns)
		})
	}
	nscache.Forget("acme__one")
	nscache.Forget("acme__two")
	assert.Equal(t, []string{"a:acme__one", "b:acme__one", "a:acme__two", "b:acme__two"}, heard)
}
