package sdkmodel

import (
	"time"

	"github.com/google/uuid"

	"github.com/canvas-sdk-go/customdata/civil"
)

// Schema is the PostgreSQL schema that holds the platform's tables.
const Schema = "public"

// Table names of the platform tables modelled here, without the schema.
const (
	PatientTable     = "canvas_sdk_data_api_patient_001"
	StaffTable       = "canvas_sdk_data_api_staff_001"
	NoteTypeTable    = "canvas_sdk_data_api_notetype_001"
	NoteTable        = "canvas_sdk_data_api_note_001"
	AppointmentTable = "canvas_sdk_data_api_appointment_001"
	TaskTable        = "canvas_sdk_data_api_task_001"
)

// Tables lists the platform tables modelled here (without the schema, see
// Schema), in a fixed order. A namespace's roles are granted SELECT on them.
func Tables() []string {
	return []string{PatientTable, StaffTable, NoteTypeTable, NoteTable, AppointmentTable, TaskTable}
}

// Patient is a patient of the practice (a subset of the platform's columns).
type Patient struct {
	// DBID is the row's internal key; custom models link to it.
	DBID int64 `gorm:"column:dbid;primaryKey" json:"dbid"`
	// Key is the patient's external id (32 hex characters), varchar(32).
	Key string `gorm:"column:key;size:32" json:"key"`
	// FirstName is the patient's given name.
	FirstName string `gorm:"column:first_name" json:"first_name"`
	// LastName is the patient's family name.
	LastName string `gorm:"column:last_name" json:"last_name"`
	// BirthDate is the patient's date of birth.
	BirthDate civil.Date `gorm:"column:birth_date" json:"birth_date"`
	// SexAtBirth is the sex assigned at birth ("F", "M", "O", "UNK").
	SexAtBirth string `gorm:"column:sex_at_birth" json:"sex_at_birth"`
	// Active reports whether the patient record is active.
	Active bool `gorm:"column:active" json:"active"`
	// Created is when the record was created.
	Created time.Time `gorm:"column:created" json:"created"`
	// Modified is when the record was last changed.
	Modified time.Time `gorm:"column:modified" json:"modified"`
}

// TableName implements gorm's schema.Tabler: public.canvas_sdk_data_api_patient_001.
func (Patient) TableName() string { return Schema + "." + PatientTable }

// Staff is a member of the practice's staff (a subset of the platform's columns).
type Staff struct {
	// DBID is the row's internal key; custom models link to it.
	DBID int64 `gorm:"column:dbid;primaryKey" json:"dbid"`
	// Key is the staff member's external id (32 hex characters), varchar(32).
	Key string `gorm:"column:key;size:32" json:"key"`
	// FirstName is the staff member's given name.
	FirstName string `gorm:"column:first_name" json:"first_name"`
	// LastName is the staff member's family name.
	LastName string `gorm:"column:last_name" json:"last_name"`
	// NPINumber is the National Provider Identifier, if any.
	NPINumber string `gorm:"column:npi_number" json:"npi_number"`
	// Active reports whether the staff member is active.
	Active bool `gorm:"column:active" json:"active"`
	// Created is when the record was created.
	Created time.Time `gorm:"column:created" json:"created"`
	// Modified is when the record was last changed.
	Modified time.Time `gorm:"column:modified" json:"modified"`
}

// TableName implements gorm's schema.Tabler: public.canvas_sdk_data_api_staff_001.
func (Staff) TableName() string { return Schema + "." + StaffTable }

// NoteType is a kind of note (office visit, phone call, ...), a subset of
// the platform's columns.
type NoteType struct {
	// DBID is the row's internal key.
	DBID int64 `gorm:"column:dbid;primaryKey" json:"dbid"`
	// ID is the note type's external id.
	ID uuid.UUID `gorm:"column:id" json:"id"`
	// Name is the display name.
	Name string `gorm:"column:name" json:"name"`
	// Code is the coding's code.
	Code string `gorm:"column:code" json:"code"`
	// System is the coding's system.
	System string `gorm:"column:system" json:"system"`
	// Category groups note types ("encounter", "message", ...).
	Category string `gorm:"column:category" json:"category"`
	// IsActive reports whether the type can be used for new notes.
	IsActive bool `gorm:"column:is_active" json:"is_active"`
	// Created is when the record was created.
	Created time.Time `gorm:"column:created" json:"created"`
	// Modified is when the record was last changed.
	Modified time.Time `gorm:"column:modified" json:"modified"`
}

// TableName implements gorm's schema.Tabler: public.canvas_sdk_data_api_notetype_001.
func (NoteType) TableName() string { return Schema + "." + NoteTypeTable }

// Note is a clinical note (a subset of the platform's columns).
type Note struct {
	// DBID is the row's internal key; custom models link to it.
	DBID int64 `gorm:"column:dbid;primaryKey" json:"dbid"`
	// ID is the note's external id.
	ID uuid.UUID `gorm:"column:id" json:"id"`
	// PatientID is the DBID of the note's Patient.
	PatientID int64 `gorm:"column:patient_id" json:"patient_id"`
	// NoteTypeVersionID is the DBID of the note's NoteType.
	NoteTypeVersionID int64 `gorm:"column:note_type_version_id" json:"note_type_version_id"`
	// ProviderID is the DBID of the Staff member who provides the care.
	ProviderID int64 `gorm:"column:provider_id" json:"provider_id"`
	// DatetimeOfService is when the care was given.
	DatetimeOfService time.Time `gorm:"column:datetime_of_service" json:"datetime_of_service"`
	// Title is the note's title.
	Title string `gorm:"column:title" json:"title"`
	// Created is when the record was created.
	Created time.Time `gorm:"column:created" json:"created"`
	// Modified is when the record was last changed.
	Modified time.Time `gorm:"column:modified" json:"modified"`
}

// TableName implements gorm's schema.Tabler: public.canvas_sdk_data_api_note_001.
func (Note) TableName() string { return Schema + "." + NoteTable }

// Appointment is a scheduled visit (a subset of the platform's columns).
type Appointment struct {
	// DBID is the row's internal key; custom models link to it.
	DBID int64 `gorm:"column:dbid;primaryKey" json:"dbid"`
	// ID is the appointment's external id.
	ID uuid.UUID `gorm:"column:id" json:"id"`
	// PatientID is the DBID of the Patient.
	PatientID int64 `gorm:"column:patient_id" json:"patient_id"`
	// ProviderID is the DBID of the Staff member seeing the patient.
	ProviderID int64 `gorm:"column:provider_id" json:"provider_id"`
	// StartTime is when the appointment begins.
	StartTime time.Time `gorm:"column:start_time" json:"start_time"`
	// DurationMinutes is the appointment's length.
	DurationMinutes int32 `gorm:"column:duration_minutes" json:"duration_minutes"`
	// Status is the appointment's state ("unconfirmed", "confirmed", ...).
	Status string `gorm:"column:status" json:"status"`
	// Comment is free text.
	Comment string `gorm:"column:comment" json:"comment"`
	// Created is when the record was created.
	Created time.Time `gorm:"column:created" json:"created"`
	// Modified is when the record was last changed.
	Modified time.Time `gorm:"column:modified" json:"modified"`
}

// TableName implements gorm's schema.Tabler: public.canvas_sdk_data_api_appointment_001.
func (Appointment) TableName() string { return Schema + "." + AppointmentTable }

// Task is a to-do item for staff (a subset of the platform's columns).
type Task struct {
	// DBID is the row's internal key; custom models link to it.
	DBID int64 `gorm:"column:dbid;primaryKey" json:"dbid"`
	// ID is the task's external id.
	ID uuid.UUID `gorm:"column:id" json:"id"`
	// PatientID is the DBID of the Patient the task is about (0 if none).
	PatientID int64 `gorm:"column:patient_id" json:"patient_id"`
	// AssigneeID is the DBID of the Staff member the task is assigned to.
	AssigneeID int64 `gorm:"column:assignee_id" json:"assignee_id"`
	// Title is the task's text.
	Title string `gorm:"column:title" json:"title"`
	// Status is "OPEN", "COMPLETED" or "CLOSED".
	Status string `gorm:"column:status" json:"status"`
	// Due is when the task is due.
	Due time.Time `gorm:"column:due" json:"due"`
	// Created is when the record was created.
	Created time.Time `gorm:"column:created" json:"created"`
	// Modified is when the record was last changed.
	Modified time.Time `gorm:"column:modified" json:"modified"`
}

// TableName implements gorm's schema.Tabler: public.canvas_sdk_data_api_task_001.
func (Task) TableName() string { return Schema + "." + TaskTable }
