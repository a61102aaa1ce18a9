package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// usageError is a command line the program cannot run; it exits 2 and
// prints the usage of the command concerned.
type usageError struct {
	msg   string
	usage string
}

func (e *usageError) Error() string { return e.msg }

// helpRequest asks for usage text on stdout (-h, help); it exits 0.
type helpRequest struct {
	usage string
}

func (e *helpRequest) Error() string { return "help requested" }

// newFlagSet returns a flag set that reports its errors to the caller
// instead of printing them.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses args with fs, letting flags and positional arguments
// mix (the flag package alone stops at the first positional argument), and
// returns the positional ones. A "--" ends the flags. Errors are a
// *usageError or a *helpRequest carrying usage.
func parseArgs(fs *flag.FlagSet, args []string, usage string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{usage: usage}
			}
			return nil, &usageError{msg: err.Error(), usage: usage}
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// wantArgs checks the number of positional arguments; names are their
// names as the usage shows them.
func wantArgs(got []string, usage string, names ...string) error {
	switch {
	case len(got) < len(names):
		return &usageError{msg: "missing " + strings.Join(names[len(got):], " "), usage: usage}
	case len(got) > len(names):
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", got[len(names)]), usage: usage}
	}
	return nil
}

// flagDefaults renders the flags of fs as the flag package prints them.
func flagDefaults(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
}
