package codegen

import (
	"strings"
	"unicode"
)

// initialisms are the words written all in capitals in Go names (Go's
// usual list, plus dbid and npi).
var initialisms = map[string]bool{
	"acl": true, "api": true, "ascii": true, "cpu": true, "css": true, "dbid": true, "dns": true,
	"eof": true, "guid": true, "html": true, "http": true, "https": true, "id": true, "ip": true,
	"json": true, "lhs": true, "npi": true, "qps": true, "ram": true, "rhs": true, "rpc": true,
	"sla": true, "smtp": true, "sql": true, "ssh": true, "tcp": true, "tls": true, "ttl": true,
	"udp": true, "ui": true, "uid": true, "uuid": true, "uri": true, "url": true, "utf8": true,
	"vm": true, "xml": true, "xmpp": true, "xsrf": true, "xss": true,
}

// goName turns a Django (snake_case) name into a Go name: each word
// capitalized, initialisms in capitals (dbid -> DBID, npi_number ->
// NPINumber).
func goName(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part == "" {
			continue
		}
		if initialisms[strings.ToLower(part)] {
			b.WriteString(strings.ToUpper(part))
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// valueName turns a choice's stored value into the tail of a constant name:
// letters and digits kept, every other character a word break ("in-progress"
// -> InProgress, "" -> Empty).
func valueName(v string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(v, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	}) {
		if initialisms[strings.ToLower(part)] {
			b.WriteString(strings.ToUpper(part))
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}
