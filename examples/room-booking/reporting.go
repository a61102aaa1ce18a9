package roombooking

import (
	"context"

	"gorm.io/gorm"
)

// Usage is one room's bookings, as the reporting plugin reports them.
type Usage struct {
	Room     string
	Bookings int64
}

// RoomUsage is the reporting plugin's query: every room with its number of
// bookings, busiest first. The reporting plugin's handle is read only;
// RoomUsage only reads.
func RoomUsage(ctx context.Context, db *gorm.DB) ([]Usage, error) {
	var out []Usage
	db = db.WithContext(ctx)
	// Models name the tables, so the query needs no schema name.
	perRoom := db.Model(&Booking{}).Select("count(*)").Where("room_id = room.dbid")
	err := db.Model(&Room{}).
		Select("name AS room, (?) AS bookings", perRoom).
		Order("bookings DESC, name").
		Scan(&out).Error
	return out, err
}
