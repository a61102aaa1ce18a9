package namespace

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
)

// Keys are a namespace's two access keys, in plain text. They are shown once,
// when made; the database keeps only their SHA-256 digests.
type Keys struct {
	// Read is the namespace_read_access_key: it opens read handles.
	Read string
	// ReadWrite is the namespace_read_write_access_key: it opens read_write
	// handles and lets further read_write plugins install.
	ReadWrite string
}

// String hides the keys so that a logged Keys value (or pointer) leaks
// nothing.
func (k Keys) String() string { return "namespace.Keys{Read: <hidden>, ReadWrite: <hidden>}" }

// GoString hides the keys from %#v too.
func (k Keys) GoString() string { return k.String() }

// Format hides the keys from every verb (%d, %q, %x, ...), not only those
// that call String.
func (k Keys) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// minKeyLen is the shortest caller-supplied key accepted: a UUID's 32 hex
// digits. A key the SDK makes is a random (version 4) UUID, 122 random bits
// from crypto/rand, as Canvas issues.
const minKeyLen = 32

// newKey returns a fresh random key.
func newKey() string { return uuid.NewString() }

// hashKey is the digest stored in namespace_auth.key_hash: lowercase hex of
// SHA-256 over the key's UTF-8 bytes, as Canvas stores it.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// checkSuppliedKey refuses keys too short to be secret.
func checkSuppliedKey(secret, key string) error {
	if len(strings.TrimSpace(key)) < minKeyLen {
		return fmt.Errorf("%w: secret %q is too short to be a key (at least %d characters, e.g. a random UUID)", ErrInvalidPlugin, secret, minKeyLen)
	}
	return nil
}
