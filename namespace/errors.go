package namespace

import (
	"errors"
	"fmt"
	"strings"

	"github.com/canvas-sdk-go/customdata/manifest"
)

// Sentinel errors. Every refusal of this package matches exactly one of them
// with errors.Is; the error itself (an *AccessError for key problems) says
// which plugin, which namespace and how to fix it.
var (
	// ErrInvalidNamespace: the name breaks the namespace rule; nothing ran.
	// It is manifest.ErrInvalidNamespace, so one errors.Is test covers
	// both packages.
	ErrInvalidNamespace = manifest.ErrInvalidNamespace
	// ErrInvalidPlugin: the Plugin passed to Install is malformed.
	ErrInvalidPlugin = errors.New("invalid plugin")
	// ErrNamespaceNotFound: no such namespace in this database.
	ErrNamespaceNotFound = errors.New("namespace not found")
	// ErrKeyMissing: the namespace exists and the plugin presented no key.
	ErrKeyMissing = errors.New("namespace access key missing")
	// ErrKeyInvalid: the key matches no key of the namespace.
	ErrKeyInvalid = errors.New("namespace access key invalid")
	// ErrReadOnlyKey: a read key was presented where read_write is needed.
	ErrReadOnlyKey = errors.New("namespace access key grants read only")
	// ErrWriteDenied: a write through a read handle.
	ErrWriteDenied = errors.New("namespace write denied")
	// ErrHandleClosed: the handle was closed.
	ErrHandleClosed = errors.New("namespace handle closed")
	// ErrTransactionPooler: NewManager reached a connection pooler (such as
	// PgBouncer) that refuses the startup parameters of a direct
	// connection; set Config.TransactionPooler.
	ErrTransactionPooler = errors.New("connection pooler needs Config.TransactionPooler")
	// ErrUnsafeSearchPath: with Config.TransactionPooler, a schema on the
	// DSN's search_path lets roles other than its owner create objects in
	// it; nothing was changed.
	ErrUnsafeSearchPath = errors.New("unsafe search_path for a transaction pooler")
)

// AccessError is a refused install, open or write. It matches its Kind with
// errors.Is and, where PostgreSQL refused, also unwraps to the driver's
// *pgconn.PgError.
type AccessError struct {
	Kind      error  // one of the sentinel errors above
	Plugin    string // the plugin, when known
	Namespace string
	Msg       string // what happened and how to fix it
	Err       error  // the underlying driver error, if any
}

// Error implements error: "customdata: " and what happened.
func (e *AccessError) Error() string {
	s := e.Msg
	if !strings.HasPrefix(s, "customdata: ") {
		s = "customdata: " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel kind and the driver error.
func (e *AccessError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

func who(plugin string) string {
	if plugin == "" {
		return "this caller"
	}
	return fmt.Sprintf("plugin %q", plugin)
}

// secretNames quotes each secret name alone: "a" or "b".
func secretNames(secrets []string) string {
	q := make([]string, len(secrets))
	for i, s := range secrets {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " or ")
}

func errNotFound(plugin, ns string) error {
	return &AccessError{Kind: ErrNamespaceNotFound, Plugin: plugin, Namespace: ns,
		Msg: fmt.Sprintf("%s requested access to custom data namespace %q, which does not exist; "+
			"a namespace is created by the first install of a plugin with \"access\": \"read_write\"; install that plugin first", who(plugin), ns)}
}

func errKeyMissing(plugin, ns string, secrets ...string) error {
	return &AccessError{Kind: ErrKeyMissing, Plugin: plugin, Namespace: ns,
		Msg: fmt.Sprintf("%s requested access to custom data namespace %q, which already exists, but presented no key; "+
			"set the plugin secret %s to the namespace's key (it was returned once when the namespace was created)", who(plugin), ns, secretNames(secrets))}
}

func errKeyInvalid(plugin, ns string, secrets ...string) error {
	return &AccessError{Kind: ErrKeyInvalid, Plugin: plugin, Namespace: ns,
		Msg: fmt.Sprintf("%s presented an invalid key for custom data namespace %q; "+
			"check the plugin secret %s: it must be one of the namespace's current keys", who(plugin), ns, secretNames(secrets))}
}

func errReadOnlyKey(plugin, ns string) error {
	return &AccessError{Kind: ErrReadOnlyKey, Plugin: plugin, Namespace: ns,
		Msg: fmt.Sprintf("%s requested read_write access to custom data namespace %q but presented a read-only key; "+
			"set the plugin secret %q to the namespace's read_write key, or declare \"access\": \"read\"", who(plugin), ns, secretReadWrite)}
}

func errWriteDenied(ns, op string, cause error) error {
	return &AccessError{Kind: ErrWriteDenied, Namespace: ns, Err: cause,
		Msg: fmt.Sprintf("write denied: this handle has read access to custom data namespace %q and cannot %s; "+
			"open the namespace with its read_write key (a plugin declaring \"access\": \"read_write\") to change data", ns, op)}
}
