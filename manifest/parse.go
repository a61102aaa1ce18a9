package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Parse parses and validates a CANVAS_MANIFEST.json as Canvas's `canvas validate-manifest` does.
//
// A manifest Canvas accepts is returned with its warnings in Manifest.Warnings. Otherwise the error is
// a *SyntaxError (not JSON, with line and column) or a *ValidationError listing every problem with
// its JSON path. Exactly one of the results is nil.
func Parse(data []byte) (*Manifest, error) {
	root, err := decodeTree(data)
	if err != nil {
		return nil, err
	}
	c := &checker{data: data}
	m := c.manifest(root)
	c.sort()
	if len(c.errs) > 0 {
		return nil, &ValidationError{Problems: c.errs, Warnings: c.warns}
	}
	m.Warnings = c.warns
	return m, nil
}

// Load reads and parses a manifest. path is either the manifest file or a plugin directory holding
// CANVAS_MANIFEST.json. Errors from Parse carry the file's path in their File field.
func Load(path string) (*Manifest, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	file := path
	if info.IsDir() {
		file = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if info.IsDir() && errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("manifest: plugin directory %s has no %s: %w", path, FileName, err)
		}
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m, err := Parse(data)
	var ve *ValidationError
	var se *SyntaxError
	switch {
	case errors.As(err, &ve):
		ve.File = file
	case errors.As(err, &se):
		se.File = file
	}
	return m, err
}
