package roombooking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

// Errors of Book.
var (
	// ErrNotBookable: the staff member has no BookableStaff row.
	ErrNotBookable = errors.New("roombooking: staff member not bookable")
	// ErrSlotTaken: the room is booked at that slot already. The
	// *pgconn.PgError of the unique index stays reachable with errors.As.
	ErrSlotTaken = errors.New("roombooking: slot taken")
)

// MakeBookable marks a staff member bookable, once: a second call finds the
// row and leaves it as it is.
func MakeBookable(ctx context.Context, db *gorm.DB, staffDBID int64, specialty string) (*BookableStaff, bool, error) {
	return custommodel.GetOrCreate(ctx, db, custommodel.Lookup{"staff_id": staffDBID}, &BookableStaff{Specialty: specialty})
}

// Book books room for a bookable staff member and a patient at slot.
func Book(ctx context.Context, db *gorm.DB, roomDBID, staffDBID, patientDBID int64, slot time.Time) (*Booking, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&BookableStaff{}).Where("staff_id = ?", staffDBID).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: staff dbid %d; mark it with MakeBookable first", ErrNotBookable, staffDBID)
	}
	b := &Booking{RoomID: roomDBID, StaffID: staffDBID, PatientID: patientDBID, Slot: slot.UTC()}
	if err := db.WithContext(ctx).Create(b).Error; err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
			return nil, fmt.Errorf("%w: room dbid %d at %s: %w", ErrSlotTaken, roomDBID, slot.UTC().Format(time.RFC3339), err)
		}
		return nil, err
	}
	return b, nil
}

// StaffSchedule returns a staff member with its BookableStaff and its
// bookings, earliest first, each with its room and patient preloaded.
func StaffSchedule(ctx context.Context, db *gorm.DB, staffDBID int64) (*CustomStaff, error) {
	var s CustomStaff
	err := db.WithContext(ctx).
		Preload("Bookable").
		Preload("Bookings", func(tx *gorm.DB) *gorm.DB { return tx.Order("slot") }).
		Preload("Bookings.Room").
		Preload("Bookings.Patient").
		First(&s, staffDBID).Error
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// RoomsOf returns the rooms a staff member has bookings in, by name: the
// many-to-many between staff and rooms, through bookings.
func RoomsOf(ctx context.Context, db *gorm.DB, staffDBID int64) ([]Room, error) {
	var rooms []Room
	err := db.WithContext(ctx).
		Where("dbid IN (?)", db.Model(&Booking{}).Select("room_id").Where("staff_id = ?", staffDBID)).
		Order("name").Find(&rooms).Error
	return rooms, err
}
