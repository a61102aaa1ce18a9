package custommodel_test

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/canvas-sdk-go/customdata/civil"
	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// Room booking: rooms, and bookings that link a room, a patient and a staff
// member, one booking per room and slot.

type Room struct {
	custommodel.CustomModel
	Name     string `gorm:"uniqueIndex"`
	Capacity int32
	Features map[string]any `gorm:"serializer:json;index:,type:gin"`
	Active   bool
	Bookings []Booking `gorm:"foreignKey:RoomID"`
}

type Booking struct {
	custommodel.CustomModel
	RoomID    int64 `gorm:"uniqueIndex:room_slot"`
	Room      *Room
	PatientID int64
	Patient   *sdkmodel.Patient
	StaffID   int64 `gorm:"index:staff_schedule"`
	Staff     *sdkmodel.Staff
	Slot      time.Time `gorm:"uniqueIndex:room_slot;index:staff_schedule,sort:desc"`
	Status    string    `gorm:"index:confirmed,where:status = 'confirmed'"`
	Notes     *string
}

// Every supported type.

type Address struct {
	Street string `json:"street"`
	City   string `json:"city"`
}

type EveryType struct {
	custommodel.CustomModel
	Text      string
	Int32     int32
	Int64     int64
	Int       int
	Float     float64
	Amount    decimal.Decimal
	Price     decimal.Decimal `gorm:"precision:12;scale:2"`
	Flag      bool
	Day       civil.Date
	At        time.Time
	UUID      uuid.UUID
	Raw       json.RawMessage
	Meta      map[string]any `gorm:"serializer:json;index:,type:gin"`
	Tags      []string       `gorm:"serializer:json"`
	Address   Address        `gorm:"serializer:json"`
	MaybeText *string
	MaybeInt  *int64
	MaybeDay  *civil.Date
	MaybeAt   *time.Time
	MaybeDec  *decimal.Decimal
	MaybeBool *bool
}
