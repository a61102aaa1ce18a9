// Package sdkmodel holds read-only Go structs for the Canvas platform's own
// tables (Patient, Staff, Note, NoteType, Appointment, Task), so that custom
// models can link to them and navigate to them with GORM.
//
// The platform keeps these tables in the public schema, named
// canvas_sdk_data_api_<model>_001 (the Django model name lowercased, so
// NoteType lives in canvas_sdk_data_api_notetype_001). Every table has a
// dbid bigint key, which is what custom models link to. Most also carry an
// external id of type uuid in column id; Patient and Staff keep theirs in
// column key (varchar(32)).
//
// Each struct declares a subset of its table's columns: the ones plugins use
// most. GORM reads a struct with SELECT * and scans only the columns the
// struct declares, dropping the others, so the subset is safe to read
// with; to fetch only the declared columns, open the DB with GORM's
// QueryFields option or list them with Select.
//
// # Read-only
//
// Plugin code never writes these tables. A namespace's PostgreSQL roles are
// granted SELECT on them and nothing else, so a write through a namespace
// handle fails in the database, whatever path it takes. Never hand these
// structs (or structs embedding them) to GORM's AutoMigrate: it would try to
// alter the platform's tables.
//
// # Extending an SDK model
//
// To navigate from a platform record to a custom model, declare a struct
// that embeds the SDK model and adds only relation fields (the Go form of
// the Python SDK's ModelExtension). The embedded model's TableName is
// promoted, so the extension reads the same platform table:
//
//	type CustomNote struct {
//		sdkmodel.Note
//		Tag *NoteTag `gorm:"foreignKey:NoteID;references:DBID"`
//	}
//
// # Fixture
//
// CreateFixtureTables and the Seed helpers build a small stand-in for the
// platform's tables, for tests and examples. They are not the platform's
// full tables: they have only the columns the structs here declare.
// Tables lists the fixture's table names.
package sdkmodel
