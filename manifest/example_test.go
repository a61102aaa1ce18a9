package manifest_test

import (
	"errors"
	"fmt"

	"github.com/canvas-sdk-go/customdata/manifest"
)

func ExampleParse() {
	m, err := manifest.Parse([]byte(`{
  "sdk_version": "0.1.4",
  "plugin_version": "1.0.0",
  "name": "hello_custom_data",
  "description": "Tags notes",
  "components": {"handlers": [{"class": "hello_custom_data.handlers:Tagger", "description": "tags notes"}]},
  "variables": [{"name": "namespace_read_write_access_key", "sensitive": true}],
  "custom_data": {"namespace": "my_org__hello_custom_data", "access": "read_write"},
  "tags": {"content": ["video"]},
  "license": "MIT",
  "readme": "./README.md"
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Name, m.CustomData.Namespace, m.CustomData.Access)
	fmt.Println("present secret:", m.CustomData.SecretName())
	for _, w := range m.Warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// hello_custom_data my_org__hello_custom_data read_write
	// present secret: namespace_read_write_access_key
	// warning: tags.content[0]: "video" is not a recognized value; use one of patient_intake (line 9, column 24)
}

func ExampleParse_invalid() {
	_, err := manifest.Parse([]byte(`{
  "sdk_version": "0.1.4",
  "plugin_version": "1.0.0",
  "name": "hello_custom_data",
  "description": "Tags notes",
  "components": {"commands": [{"name": "tag"}]},
  "custom_data": {"namespace": "my-org__data", "access": "write"},
  "tags": {},
  "license": "MIT",
  "readme": true,
  "homepage": "https://example.com"
}`))
	var ve *manifest.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p.Path)
		}
	}
	// Output:
	// components.commands[0].schema_key
	// custom_data.namespace
	// custom_data.access
	// homepage
}

func ExampleValidateNamespace() {
	for _, name := range []string{"acme_org__shared_data", "Acme__data", "acme"} {
		err := manifest.ValidateNamespace(name)
		fmt.Println(name, err == nil, errors.Is(err, manifest.ErrInvalidNamespace))
	}
	err := manifest.ValidateNamespace("org__1name")
	var ne *manifest.NamespaceError
	if errors.As(err, &ne) {
		fmt.Println(ne.Reasons[0])
	}
	// Output:
	// acme_org__shared_data true false
	// Acme__data false true
	// acme false true
	// no lowercase letter follows the double underscore "__": the name part must start with one
}

func ExampleLoad() {
	m, err := manifest.Load("testdata/manifests/custom_data_room_booking--custom_data_room_booking.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.CustomData.Namespace, m.Declares(m.CustomData.SecretName()))
	// Output: custom_data__room_booking true
}
