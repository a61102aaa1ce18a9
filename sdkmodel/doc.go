// Package sdkmodel holds read-only Go structs for every data model of the
// Canvas SDK (canvas-plugins v0.203.0, canvas_sdk.v1.data): 207 models over
// 214 platform tables (the models' tables plus 7 many-to-many join tables),
// so that custom models can link to any of them and navigate them with
// GORM's Preload and Joins.
//
// The package is generated (go generate ./sdkmodel) from a schema file,
// internal/schema/canvas-sdk-models.json, read from the Django models' own
// metadata: every column with its PostgreSQL type and nullability, every
// foreign key, one-to-one and many-to-many field, the fields' choices and
// the unique constraints. The generated files are models_gen.go,
// tables_gen.go and choices_gen.go; the rest is written by hand.
//
// # How names map
//
//   - Model: one Go type per Django model, with the model's name
//     (Patient, Condition, ClaimLineItem). Models lists them all.
//   - Table: the platform keeps the tables in schema public (Schema). Each
//     type's TableName is "public.<table>", and the constant <Model>Table
//     holds the table name alone (PatientTable is
//     "canvas_sdk_data_api_patient_001", ClaimTable is
//     "canvas_sdk_data_quality_and_revenue_claim_001"). PlatformTables lists
//     all 214, join tables included.
//   - Column: one field per column, in the table's order. The Go name is the
//     Django field name in CamelCase with Go's initialisms (dbid is DBID,
//     id is ID, npi_number is NPINumber); the gorm tag's column is the
//     table's column, which is not always the field name: Patient.ID and
//     Staff.ID (the external ids, varchar(32)) are stored in column key.
//   - Link: a foreign key or one-to-one field gives two Go fields: the
//     column, named <Field>ID (Note.PatientID, column patient_id), and a
//     belongs-to pointer named <Field> (Note.Patient *Patient), nil unless
//     loaded. One exception: ClaimSubmission's coverage link is
//     ClaimCoverageID (column coverage_id), because ClaimCoverage has a
//     CoverageID of its own and GORM would read the link backwards.
//   - Reverse side: the target gets a field named from Django's reverse
//     accessor (Patient.Notes []Note, Staff.Notes and Staff.SupervisedNotes;
//     a pointer for a one-to-one). Hidden reverse names ("+"), the reverse
//     side of a model's links to itself and of the join tables' links are
//     not generated.
//   - Many-to-many: a slice of the target through its join table
//     (BillingLineItem.Assessments).
//   - Multi-table inheritance: a child model (CoveragePosting) holds only its
//     own table's columns; its <Parent>PtrID is the key and the link to the
//     parent row (BasepostingPtr), which holds the inherited columns.
//
// # Column types
//
//	bigint                    int64
//	integer                   int32
//	boolean                   bool
//	double precision          float64
//	numeric(p, s)             decimal.Decimal (github.com/shopspring/decimal)
//	varchar(n), text          string
//	timestamp with time zone  time.Time
//	date                      civil.Date
//	uuid                      uuid.UUID (github.com/google/uuid)
//	jsonb                     json.RawMessage
//	varchar(n)[], text[]      Array[string]
//	integer[]                 Array[int32]
//	interval[]                Array[time.Duration]
//
// A nullable column is a pointer to that type (*int64, *string, *Array[string]
// ...): nil is NULL. A column with choices has a named type instead of
// string (Patient.SexAtBirth is a PatientSexAtBirth), whose constants are the
// choices (AppointmentStatusConfirmed) and whose Valid method reports
// whether a value is one of them. Choices on array elements get the type and
// constants, the field stays an Array[string].
//
// # First use
//
// GORM parses a model the first time a *gorm.DB meets it, together with
// every struct it references. The models here are linked into one graph, so
// the first use of any of them (or of a custom model linking to one) parses
// about 200 structs at once, in the order of tens of milliseconds of CPU,
// once per *gorm.DB (BenchmarkFirstParse measures it). Later uses hit GORM's
// cache.
//
// # Read-only
//
// Plugin code never writes these tables. A namespace's PostgreSQL roles are
// granted SELECT on them and nothing else, so a write through a namespace
// handle fails in the database, whatever path it takes. Never hand these
// structs (or structs embedding them) to GORM's AutoMigrate: it would try to
// alter the platform's tables.
//
// # Linking and extending
//
// A custom model links to an SDK model by its dbid (the usual way), by its
// uuid id, or, for Patient and Staff, by their key; the link column takes
// the type of the column it points to (bigint, uuid, varchar(32)):
//
//	type ConditionFlag struct {
//		custommodel.CustomModel
//		ConditionID int64
//		Condition   *sdkmodel.Condition `gorm:"foreignKey:ConditionID;references:DBID"`
//		PatientKey  string
//		Patient     *sdkmodel.Patient `gorm:"foreignKey:PatientKey;references:ID"`
//	}
//
// To navigate from a platform record to custom models, declare a struct
// that embeds the SDK model and adds only relation fields (the Go form of
// the Python SDK's ModelExtension). The embedded model's TableName is
// promoted, so the extension reads the same platform table:
//
//	type CustomNote struct {
//		sdkmodel.Note
//		Tag *NoteTag `gorm:"foreignKey:NoteID;references:DBID"`
//	}
//
// Navigation composes: Preload("Note.Patient") from a custom model linked to
// Note loads the notes, then their patients, one query per level.
//
// # Fixture
//
// CreateFixtureTables creates all 214 platform tables in schema public, each
// with exactly the platform's columns, types and nullability, its primary
// key and its unique constraints, for tests and examples. Seed inserts a row
// of any model, filling the NOT NULL columns left zero and creating the
// parents the row requires (a Note gets a NoteType); SeedPatient, SeedNote
// and the other Seed functions are shortcuts.
package sdkmodel
