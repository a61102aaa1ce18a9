package manifest

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a manifest: an error when Canvas would reject the manifest, or a
// warning (in Manifest.Warnings) when Canvas accepts it but says something.
type Problem struct {
	// Path is the JSON path of the value concerned, such as "custom_data.namespace" or
	// "components.commands[2].class". A missing field is named by the path it should have.
	// Keys that are not plain identifiers are quoted: tags["use-case"]. The empty path is the
	// whole manifest.
	Path string
	// Message says what is wrong and, where it can, how to fix it.
	Message string
	// Line and Column (1-based, the column counted in characters) locate the value in the file;
	// for a missing field, the object that should hold it. Zero when unknown.
	Line, Column int
}

// String renders the problem as "path: message (line L, column C)".
func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(manifest)"
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s: %s (line %d, column %d)", path, p.Message, p.Line, p.Column)
	}
	return path + ": " + p.Message
}

// ValidationError is returned when a manifest is well-formed JSON but Canvas would reject it.
// It lists every problem found, not only the first.
type ValidationError struct {
	// File is the manifest's path when it was read by Load; empty for Parse.
	File string
	// Problems are the errors, in the order they were found (document order, then missing fields).
	Problems []Problem
	// Warnings are what Canvas would only warn about; they do not make the manifest invalid.
	Warnings []Problem
}

// Error prints a heading and then every problem, one per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	name := "CANVAS_MANIFEST.json"
	if e.File != "" {
		name = e.File
	}
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "manifest: %s is not a valid Canvas manifest (%d %s):", name, len(e.Problems), noun)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// SyntaxError is returned when the manifest is not valid JSON (or not UTF-8). Canvas refuses such a
// file before looking at its contents.
type SyntaxError struct {
	// File is the manifest's path when it was read by Load; empty for Parse.
	File string
	// Line and Column (1-based, the column counted in characters) locate the error.
	Line, Column int
	// Offset is the byte offset of the error.
	Offset int64
	// Msg describes the error.
	Msg string
	// Err is the underlying error from encoding/json, if any.
	Err error
}

// Error says where the JSON breaks and what is wrong there.
func (e *SyntaxError) Error() string {
	name := "CANVAS_MANIFEST.json"
	if e.File != "" {
		name = e.File
	}
	return fmt.Sprintf("manifest: %s is not valid JSON: line %d, column %d: %s", name, e.Line, e.Column, e.Msg)
}

// Unwrap returns the underlying encoding/json error, if any.
func (e *SyntaxError) Unwrap() error { return e.Err }
