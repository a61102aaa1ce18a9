// Package roombooking is a second, larger example of the customdata SDK: a
// room booking plugin and a read-only reporting plugin that share one
// namespace, acme_org__room_booking.
//
// The booking plugin (CANVAS_MANIFEST.json, access read_write) declares:
//
//   - Room: a bookable room, with a unique name;
//   - Booking: a room for a staff member and a patient at a time slot. It
//     links a Room and the platform's Staff and Patient records; (room,
//     slot) is unique, so a room is never booked twice for one slot;
//   - BookableStaff: a one-to-one link to a Staff record (its primary key is
//     the staff member's dbid) that marks the staff member bookable;
//   - CustomStaff: the platform's Staff extended with its BookableStaff and
//     its bookings, so code goes from a staff member to its rooms and
//     patients: rooms and patients are many-to-many through bookings.
//
// Book refuses staff that are not bookable and reports a taken slot as
// ErrSlotTaken. StaffSchedule loads a staff member's bookings with their
// rooms and patients preloaded, in one call.
//
// The reporting plugin (reporting/CANVAS_MANIFEST.json, access read) opens
// the same namespace with the read key: RoomUsage reads the bookings, and
// any write it tries is refused by PostgreSQL (namespace.ErrWriteDenied).
//
// The tests install both plugins with customdatatest, as the platform would.
package roombooking
