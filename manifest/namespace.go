package manifest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// MaxNamespaceLen is the longest namespace, in bytes: PostgreSQL's identifier limit (NAMEDATALEN-1).
const MaxNamespaceLen = 63

// NamespaceRule states the namespace format in words, for messages and documentation.
const NamespaceRule = `a namespace is "<organization>__<name>": each part starts with a lowercase letter ` +
	`and has only lowercase letters, digits and underscores, the two parts are joined by a double underscore, ` +
	`and the whole is at most 63 bytes (e.g. "acme_org__shared_data")`

// namespacePattern is the schema's pattern. Go's $ matches only at the very end of the text, so a
// trailing newline is refused (Python's re.search, which Canvas uses, would let "a__b\n" through).
var namespacePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$`)

// ErrInvalidNamespace is matched (errors.Is) by every error ValidateNamespace returns.
var ErrInvalidNamespace = errors.New("invalid namespace")

// NamespaceError says why a namespace name was refused. It matches ErrInvalidNamespace with errors.Is.
type NamespaceError struct {
	// Name is the refused name, as given.
	Name string
	// Reasons lists every rule the name breaks, in words.
	Reasons []string
}

// Error quotes the name (with %q, so control characters show as escapes), says what is wrong with it
// and states the rule.
func (e *NamespaceError) Error() string {
	return fmt.Sprintf("invalid namespace %q: %s; %s", e.Name, strings.Join(e.Reasons, "; "), NamespaceRule)
}

// Unwrap returns ErrInvalidNamespace.
func (e *NamespaceError) Unwrap() error { return ErrInvalidNamespace }

// ValidateNamespace reports whether name is a valid custom-data namespace, exactly as Canvas's manifest
// schema has it: it matches ^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$ and is at most 63 bytes long. Call it
// before a namespace touches SQL. The error is a *NamespaceError (errors.Is(err, ErrInvalidNamespace)).
func ValidateNamespace(name string) error {
	reasons := namespaceReasons(name)
	if len(reasons) == 0 {
		return nil
	}
	return &NamespaceError{Name: name, Reasons: reasons}
}

// namespaceReasons returns every rule name breaks; none if it is valid.
func namespaceReasons(name string) []string {
	var reasons []string
	if len(name) > MaxNamespaceLen {
		reasons = append(reasons, fmt.Sprintf("it is %d bytes long, over PostgreSQL's %d-byte identifier limit", len(name), MaxNamespaceLen))
	}
	if namespacePattern.MatchString(name) {
		return reasons
	}
	if name == "" {
		return append(reasons, "it is empty")
	}
	for _, r := range name {
		if !isNamespaceChar(r) {
			msg := fmt.Sprintf("it contains %q, which is not a lowercase letter, digit or underscore", r)
			if r >= 'A' && r <= 'Z' {
				msg += " (use lowercase)"
			}
			return append(reasons, msg)
		}
	}
	if !isLower(name[0]) {
		return append(reasons, "it does not start with a lowercase letter")
	}
	if !strings.Contains(name, "__") {
		return append(reasons, `it has no double underscore "__" between organization and name`)
	}
	return append(reasons, `no lowercase letter follows the double underscore "__": the name part must start with one`)
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

func isNamespaceChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_'
}
