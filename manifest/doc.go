// Package manifest parses and validates a Canvas plugin's CANVAS_MANIFEST.json, the whole of it, with
// the verdict Canvas's own validator (`canvas validate-manifest`) gives.
//
// Parse takes the file's bytes and Load takes a file or a plugin directory. A manifest Canvas accepts
// comes back as a *Manifest whose Warnings hold what Canvas only warns about:
//
//   - every problem under "tags" (Canvas treats them as warnings, not errors);
//   - the deprecated "secrets" list (declare secrets in "variables" with "sensitive": true);
//   - a key appearing twice in one object (the last value is used, as in Canvas);
//   - a custom_data plugin that declares no secret for the access key it needs (Canvas does not check
//     this; see below).
//
// A manifest Canvas rejects yields an error, never a partial manifest: a *SyntaxError when the file
// is not JSON (it carries line and column), or a *ValidationError that lists every problem at once,
// each with its JSON path ("custom_data.namespace", "components.commands[2].class"), a message that
// says what is wrong and how to fix it, and its line and column. Unknown keys are errors wherever the
// schema closes an object, including at the top level.
//
// # Custom data
//
// The "custom_data" section names the plugin's namespace (a PostgreSQL schema) and its access level:
//
//	"custom_data": {"namespace": "acme_org__shared_data", "access": "read_write"}
//
// ValidateNamespace holds the namespace rule ("org__name", lowercase, at most 63 bytes); every package
// of this module calls it before a namespace reaches SQL. Its errors match ErrInvalidNamespace.
// Access.SecretName says which secret a plugin presents: ReadAccessKey for "read", ReadWriteAccessKey
// for "read_write" (the plugin whose install creates a namespace receives the keys instead).
// Canvas's validator does not require the manifest to list that secret; this package warns when a
// read plugin lists neither key, or a read_write plugin does not list the read_write key.
//
// # Where this differs from Canvas
//
// The validation is hand-written from Canvas's manifest schema and follows Python's jsonschema, which
// Canvas uses: maxLength counts characters, not bytes; 2.0 is an integer. It is stricter in a few
// corners no real manifest reaches: NaN and Infinity (which Python's json module accepts) are syntax
// errors, integers must fit in 64 bits, and a namespace with a trailing newline (which Python's
// pattern matching lets through) is refused.
package manifest
