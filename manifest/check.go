package manifest

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// report records one problem (an error or a warning) at path; off locates it in the file.
type report func(path string, off int64, msg string)

// checker walks a decoded manifest, fills the typed Manifest and collects every problem.
type checker struct {
	data  []byte
	errs  []Problem
	warns []Problem
}

func (c *checker) problem(path string, off int64, msg string) Problem {
	line, col := lineCol(c.data, off)
	return Problem{Path: path, Message: msg, Line: line, Column: col}
}

// err records an error: Canvas rejects the manifest.
func (c *checker) err(path string, off int64, msg string) {
	c.errs = append(c.errs, c.problem(path, off, msg))
}

// warn records a warning: Canvas accepts the manifest but reports it.
func (c *checker) warn(path string, off int64, msg string) {
	c.warns = append(c.warns, c.problem(path, off, msg))
}

// sort orders errors and warnings by where they are in the file (stable: same place, found order).
func (c *checker) sort() {
	byPlace := func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	}
	slices.SortStableFunc(c.errs, byPlace)
	slices.SortStableFunc(c.warns, byPlace)
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// join appends an object key to a path: a.b, or a["odd key"] when the key is not a plain identifier.
func join(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends an array index to a path: a[3].
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// got describes a value that had the wrong type: "a number (5)", "null", "an array".
func got(n *node) string {
	switch n.kind {
	case kindString, kindNumber, kindBool:
		return n.kind.describe() + " (" + n.String() + ")"
	default:
		return n.kind.describe()
	}
}

// objSpec describes an object in the schema.
type objSpec struct {
	fields   []string // known keys, in schema order
	required []string // required keys, in schema order
	closed   bool     // additionalProperties: false
	what     string   // what the object is, for messages ("a command")
}

// object checks that n is an object, reports unknown keys (if closed) and missing required keys, and
// calls field for each known key in document order. It reports false if n is not an object.
func (c *checker) object(rep report, n *node, path string, spec objSpec, field func(key, path string, v *node)) bool {
	if n.kind != kindObject {
		rep(path, n.offset, fmt.Sprintf("must be an object, not %s", got(n)))
		return false
	}
	for _, d := range n.dups {
		c.warn(join(path, d.key), d.offset, "the key appears more than once in the same object; Canvas keeps the last value")
	}
	for _, k := range n.keys {
		v, p := n.obj[k], join(path, k)
		if slices.Contains(spec.fields, k) {
			field(k, p, v)
		} else if spec.closed {
			rep(p, v.keyOff, unknownKey(k, spec))
		}
	}
	for _, r := range spec.required {
		if _, ok := n.obj[r]; !ok {
			rep(join(path, r), n.offset, fmt.Sprintf("is required in %s but missing", spec.what))
		}
	}
	return true
}

// unknownKey says a key is not allowed, lists the allowed ones and suggests a near miss.
func unknownKey(key string, spec objSpec) string {
	msg := fmt.Sprintf("unknown key in %s; allowed keys are %s", spec.what, strings.Join(spec.fields, ", "))
	norm := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(key)))
	for _, f := range spec.fields {
		if f == norm || f+"s" == norm || f == norm+"s" {
			return fmt.Sprintf("unknown key in %s (did you mean %q?); allowed keys are %s", spec.what, f, strings.Join(spec.fields, ", "))
		}
	}
	return msg
}

// array checks that n is an array and calls item for each element.
func (c *checker) array(rep report, n *node, path string, item func(i int, path string, v *node)) bool {
	if n.kind != kindArray {
		rep(path, n.offset, fmt.Sprintf("must be an array, not %s", got(n)))
		return false
	}
	for i, v := range n.arr {
		item(i, index(path, i), v)
	}
	return true
}

// str checks that n is a string.
func (c *checker) str(rep report, n *node, path string) (string, bool) {
	if n.kind != kindString {
		rep(path, n.offset, fmt.Sprintf("must be a string, not %s", got(n)))
		return "", false
	}
	return n.str, true
}

// maxLen checks a string's length in characters (as JSON Schema's maxLength counts).
func (c *checker) maxLen(n *node, path string, max int) string {
	s, ok := c.str(c.err, n, path)
	if ok {
		if l := utf8.RuneCountInString(s); l > max {
			c.err(path, n.offset, fmt.Sprintf("is %d characters long; at most %d are allowed", l, max))
		}
	}
	return s
}

// enum checks that n is one of the allowed strings.
func (c *checker) enum(rep report, n *node, path string, allowed []string) (string, bool) {
	if n.kind == kindString && slices.Contains(allowed, n.str) {
		return n.str, true
	}
	rep(path, n.offset, fmt.Sprintf("%s is not allowed; use one of %s", n, strings.Join(allowed, ", ")))
	return "", false
}

// boolean checks that n is true or false.
func (c *checker) boolean(n *node, path string) (bool, bool) {
	if n.kind != kindBool {
		c.err(path, n.offset, fmt.Sprintf("must be true or false, not %s", got(n)))
		return false, false
	}
	return n.b, true
}

// integer checks that n is an integer. As in Canvas (Python's jsonschema), a number with a zero
// fraction such as 2.0 or 1e3 counts as an integer. Unlike Canvas, integers beyond 64 bits are refused.
func (c *checker) integer(n *node, path string) *int64 {
	if n.kind != kindNumber {
		c.err(path, n.offset, fmt.Sprintf("must be an integer, not %s", got(n)))
		return nil
	}
	s := n.num.String()
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return &i
	}
	tooLarge := fmt.Sprintf("%s is too large; integers must fit in 64 bits", s)
	if !strings.ContainsAny(s, ".eE") {
		c.err(path, n.offset, tooLarge)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) {
		c.err(path, n.offset, fmt.Sprintf("must be an integer, not %s", s))
		return nil
	}
	if f < math.MinInt64 || f >= math.MaxInt64 {
		c.err(path, n.offset, tooLarge)
		return nil
	}
	i := int64(f)
	return &i
}

// strings checks an array of strings.
func (c *checker) strings(rep report, n *node, path string) []string {
	out := []string{}
	c.array(rep, n, path, func(_ int, p string, v *node) {
		if s, ok := c.str(rep, v, p); ok {
			out = append(out, s)
		}
	})
	return out
}

// boolOrString checks a field that is a boolean or a string (readme, diagram).
func (c *checker) boolOrString(n *node, path string) BoolOrString {
	switch n.kind {
	case kindBool:
		return BoolOrString{Bool: n.b}
	case kindString:
		return BoolOrString{IsString: true, String: n.str}
	}
	c.err(path, n.offset, fmt.Sprintf("must be true, false or a string (a file path), not %s", got(n)))
	return BoolOrString{}
}
