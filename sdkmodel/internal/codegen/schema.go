// Package codegen writes package sdkmodel's generated files from the schema
// of the Canvas SDK data models (sdkmodel/internal/schema/canvas-sdk-models.json):
// one Go type per platform model, its table, its choices and the fixture's
// column list. It is run by go generate in package sdkmodel (through
// sdkmodel/internal/gen) and by sdkmodel's tests, which check that the
// committed files are what it writes today.
package codegen

import (
	"encoding/json"
	"fmt"
)

// File is the schema file: the tables behind the SDK's Django models.
type File struct {
	Source string   `json:"source"`
	Commit string   `json:"commit"`
	Models []*Model `json:"models"`
}

// Model is one Django model (or an auto-created many-to-many join table).
type Model struct {
	Name                     string           `json:"name"`
	Module                   string           `json:"module"`
	DBTable                  string           `json:"db_table"`
	PK                       string           `json:"pk"`
	PKColumn                 string           `json:"pk_column"`
	Fields                   []*Field         `json:"fields"`
	ManyToMany               []*ManyToMany    `json:"many_to_many"`
	AutoCreatedM2MThroughFor string           `json:"auto_created_m2m_through_for"`
	UniqueTogether           [][]string       `json:"unique_together"`
	UniqueConstraints        [][]string       `json:"unique_constraints"`
	Choices                  map[string][]any `json:"choices"`
	MTIParents               []struct {
		Model string `json:"model"`
	} `json:"mti_parents"`
}

// Field is one column of a model's table.
type Field struct {
	Name       string    `json:"name"`
	Column     string    `json:"column"`
	Type       string    `json:"type"`
	Django     string    `json:"django"`
	Null       bool      `json:"null"`
	PrimaryKey bool      `json:"primary_key"`
	Unique     bool      `json:"unique"`
	MaxLength  int       `json:"max_length"`
	ArrayOf    *Field    `json:"array_of"`
	Relation   *Relation `json:"relation"`
}

// Relation is a foreign key or one-to-one field's target.
type Relation struct {
	Model           string `json:"model"`
	DBTable         string `json:"db_table"`
	ToField         string `json:"to_field"`
	ToColumn        string `json:"to_column"`
	OneToOne        bool   `json:"one_to_one"`
	RelatedName     string `json:"related_name"`
	ReverseAccessor string `json:"reverse_accessor"`
	OnDelete        string `json:"on_delete"`
}

// ManyToMany is a many-to-many field and its join table.
type ManyToMany struct {
	Name               string `json:"name"`
	Model              string `json:"model"`
	DBTable            string `json:"db_table"`
	Through            string `json:"through"`
	ThroughDBTable     string `json:"through_db_table"`
	ThroughAutoCreated bool   `json:"through_auto_created"`
	SourceColumn       string `json:"source_column"`
	TargetColumn       string `json:"target_column"`
}

// Parse reads the schema file.
func Parse(data []byte) (*File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("codegen: read schema: %w", err)
	}
	if len(f.Models) == 0 {
		return nil, fmt.Errorf("codegen: schema has no models")
	}
	return &f, nil
}
