package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// kind is the JSON type of a decoded value.
type kind int

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// describe names a kind the way a message to a person does ("a number").
func (k kind) describe() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "an array"
	default:
		return "an object"
	}
}

// node is one decoded JSON value. Objects keep their keys in document order; a key given twice keeps
// the value given last (as Python's json module, which Canvas uses, does) and is remembered in dups.
type node struct {
	kind   kind
	offset int64 // byte offset of the value's first character
	keyOff int64 // for an object member, byte offset of its key

	b    bool
	num  json.Number
	str  string
	arr  []*node
	keys []string // object keys, first occurrence order
	obj  map[string]*node
	dups []dupKey // keys seen more than once
}

// dupKey records a key that appeared again in the same object.
type dupKey struct {
	key    string
	offset int64
}

// decodeTree decodes data into a node tree, or returns a *SyntaxError that says where the JSON breaks.
func decodeTree(data []byte) (*node, error) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, newSyntaxError(data, 0, "the file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM", nil)
	}
	if !utf8.Valid(data) {
		off := invalidUTF8Offset(data)
		return nil, newSyntaxError(data, off, "the file is not valid UTF-8", nil)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, newSyntaxError(data, int64(len(data)), "the file is empty; a manifest is a JSON object", nil)
	}
	// A first pass with encoding/json's validating scanner finds syntax errors with a precise offset.
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return nil, syntaxError(data, err)
	}
	d := &treeDecoder{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	d.dec.UseNumber()
	root, err := d.value()
	if err != nil {
		return nil, err
	}
	// Anything but white space after the value is an error, as in Python's json.loads ("Extra data").
	// The first pass already refused it; this is a safety net.
	off := skipSpace(data, d.dec.InputOffset())
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, newSyntaxError(data, off, "unexpected data after the end of the JSON object", nil)
	}
	return root, nil
}

type treeDecoder struct {
	data []byte
	dec  *json.Decoder
}

// value reads one value; the decoder sits right before it (after a ':' or ',' or at the start).
func (d *treeDecoder) value() (*node, error) {
	start := skipSpace(d.data, d.dec.InputOffset())
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.wrap(err)
	}
	n := &node{offset: start}
	switch t := tok.(type) {
	case nil:
		n.kind = kindNull
	case bool:
		n.kind, n.b = kindBool, t
	case json.Number:
		n.kind, n.num = kindNumber, t
	case string:
		n.kind, n.str = kindString, t
	case json.Delim:
		switch t {
		case '[':
			n.kind = kindArray
			for d.dec.More() {
				item, err := d.value()
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, item)
			}
		case '{':
			n.kind = kindObject
			n.obj = map[string]*node{}
			for d.dec.More() {
				keyOff := skipSpace(d.data, d.dec.InputOffset())
				kt, err := d.dec.Token()
				if err != nil {
					return nil, d.wrap(err)
				}
				key, ok := kt.(string)
				if !ok { // the decoder reports non-string keys itself; this is a safety net
					return nil, newSyntaxError(d.data, keyOff, "object keys must be strings", nil)
				}
				v, err := d.value()
				if err != nil {
					return nil, err
				}
				v.keyOff = keyOff
				if _, seen := n.obj[key]; seen {
					n.dups = append(n.dups, dupKey{key: key, offset: keyOff})
				} else {
					n.keys = append(n.keys, key)
				}
				n.obj[key] = v
			}
		}
		// The closing delimiter.
		if _, err := d.dec.Token(); err != nil {
			return nil, d.wrap(err)
		}
	}
	return n, nil
}

// syntaxError turns an error from json.Unmarshal into a *SyntaxError pointing at the offending byte.
func syntaxError(data []byte, err error) *SyntaxError {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return newSyntaxError(data, 0, err.Error(), err)
	}
	if se.Offset >= int64(len(data)) && strings.Contains(se.Error(), "end of JSON input") {
		return newSyntaxError(data, int64(len(data)), "unexpected end of file: a bracket, brace or quote is not closed", err)
	}
	off := se.Offset - 1 // encoding/json counts the offending byte as read
	msg := se.Error()
	if strings.Contains(msg, "after top-level value") {
		msg = "unexpected data after the end of the JSON object: " + msg
	}
	return newSyntaxError(data, off, msg, err)
}

// wrap turns a decoder error into a *SyntaxError with the offset where it happened.
func (d *treeDecoder) wrap(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return newSyntaxError(d.data, se.Offset, se.Error(), err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return newSyntaxError(d.data, int64(len(d.data)), "unexpected end of file: a bracket, brace or quote is not closed", err)
	default:
		return newSyntaxError(d.data, d.dec.InputOffset(), err.Error(), err)
	}
}

// newSyntaxError builds a *SyntaxError, turning offset into a 1-based line and column.
func newSyntaxError(data []byte, offset int64, msg string, err error) *SyntaxError {
	line, col := lineCol(data, offset)
	return &SyntaxError{Line: line, Column: col, Offset: offset, Msg: msg, Err: err}
}

// lineCol turns a byte offset into a 1-based line and a 1-based column counted in characters.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	col = utf8.RuneCount(before[lineStart:]) + 1
	return line, col
}

// skipSpace returns the offset of the first byte at or after off that is not JSON white space,
// a ':' or a ','. It finds where a value starts after the decoder consumed the token before it.
func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// invalidUTF8Offset returns the offset of the first byte that is not part of valid UTF-8.
func invalidUTF8Offset(data []byte) int64 {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return int64(i)
		}
		i += size
	}
	return int64(len(data))
}

// toAny converts a node into plain Go values (numbers stay json.Number) for free-form fields like meta.
func (n *node) toAny() any {
	switch n.kind {
	case kindBool:
		return n.b
	case kindNumber:
		return n.num
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.arr))
		for i, it := range n.arr {
			out[i] = it.toAny()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.obj))
		for k, v := range n.obj {
			out[k] = v.toAny()
		}
		return out
	default:
		return nil
	}
}

// String is used in messages for a value that was not what was expected.
func (n *node) String() string {
	switch n.kind {
	case kindString:
		return fmt.Sprintf("%q", truncate(n.str, 60))
	case kindNumber:
		return n.num.String()
	case kindBool:
		return fmt.Sprint(n.b)
	default:
		return n.kind.describe()
	}
}

// truncate shortens s to at most max characters for messages.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "..."
}
