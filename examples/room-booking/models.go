package roombooking

import (
	"time"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// Room is a bookable room: table acme_org__room_booking.room.
type Room struct {
	custommodel.CustomModel
	Name     string `gorm:"uniqueIndex"`
	Capacity int32
	Bookings []Booking `gorm:"foreignKey:RoomID"`
}

// Booking books a room for a staff member and a patient at a slot: table
// acme_org__room_booking.booking, with a unique index on (room_id, slot).
type Booking struct {
	custommodel.CustomModel
	RoomID    int64 `gorm:"uniqueIndex:room_slot"`
	Room      *Room
	StaffID   int64 `gorm:"index:staff_schedule"`
	Staff     *sdkmodel.Staff
	PatientID int64
	Patient   *sdkmodel.Patient
	Slot      time.Time `gorm:"uniqueIndex:room_slot;index:staff_schedule,sort:desc"`
}

// BookableStaff marks a staff member bookable. Its primary key is a
// one-to-one link to the staff member: table
// acme_org__room_booking.bookablestaff (staff_id bigint primary key, ...).
type BookableStaff struct {
	custommodel.CustomModel
	StaffID   int64        `gorm:"primaryKey"`
	Staff     *CustomStaff `gorm:"foreignKey:StaffID;references:DBID"`
	Specialty string
}

// CustomStaff extends the platform's Staff with the reverse side of the
// links: its BookableStaff (nil when not bookable) and its bookings.
type CustomStaff struct {
	sdkmodel.Staff
	Bookable *BookableStaff `gorm:"foreignKey:StaffID;references:DBID"`
	Bookings []Booking      `gorm:"foreignKey:StaffID;references:DBID"`
}

// Models lists the booking plugin's models, as the platform installs them.
func Models() []any { return []any{&Room{}, &Booking{}, &BookableStaff{}, &CustomStaff{}} }
