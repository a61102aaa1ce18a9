package namespace

import (
	"sync"
	"time"

	"github.com/canvas-sdk-go/customdata/manifest"
)

// defaultKeyCacheTTL is Config.KeyCacheTTL's default: how long Open trusts
// a key it checked before it asks the database again.
const defaultKeyCacheTTL = 5 * time.Second

// keyCache remembers what keys granted, so that Open of a namespace whose
// pool the Manager holds sends nothing. An entry lasts ttl from the moment
// its check was sent (not answered), so a key revoked by another Manager
// opens no handle later than ttl after the revocation committed. Changes
// this Manager makes drop a namespace's entries at once (forget), and a
// check that was under way while they were made is not stored: each
// namespace has a generation that forget bumps.
type keyCache struct {
	ttl time.Duration // <= 0: nothing is cached

	mu      sync.Mutex
	entries map[cachedKey]cachedGrant
	gens    map[string]uint64 // per namespace; bumped by forget
}

type cachedKey struct {
	ns     string
	digest string // hashKey of the key
}

type cachedGrant struct {
	level   manifest.Access
	expires time.Time
}

// maxCachedKeys bounds the cache: past it, expired entries are swept out,
// and if none is, the cache starts afresh (costing a check per key).
const maxCachedKeys = 1 << 16

func newKeyCache(ttl time.Duration) *keyCache {
	return &keyCache{ttl: ttl, entries: map[cachedKey]cachedGrant{}, gens: map[string]uint64{}}
}

// get returns the level the key with digest grants in ns, if a check of it
// is recent enough.
func (c *keyCache) get(ns, digest string) (manifest.Access, bool) {
	if c.ttl <= 0 {
		return "", false
	}
	c.mu.Lock()
	e, ok := c.entries[cachedKey{ns, digest}]
	c.mu.Unlock()
	if !ok || !time.Now().Before(e.expires) {
		return "", false
	}
	return e.level, true
}

// generation returns ns's generation, read before a check is sent.
func (c *keyCache) generation(ns string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gens[ns]
}

// put records that the key with digest granted level in a check sent at
// sent, unless forget(ns) ran since gen was read.
func (c *keyCache) put(ns, digest string, level manifest.Access, gen uint64, sent time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gens[ns] != gen {
		return
	}
	if len(c.entries) >= maxCachedKeys {
		now := time.Now()
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedKeys {
			clear(c.entries)
		}
	}
	c.entries[cachedKey{ns, digest}] = cachedGrant{level: level, expires: sent.Add(c.ttl)}
}

// forget drops every entry of ns, and any check of ns under way, at once:
// for changes this Manager makes to its keys (RotateKeys), schema (Drop) or
// roles.
func (c *keyCache) forget(ns string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[ns]++
	for k := range c.entries {
		if k.ns == ns {
			delete(c.entries, k)
		}
	}
}
