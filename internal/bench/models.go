package bench

import (
	"github.com/canvas-sdk-go/customdata/custommodel"
)

// ns is the namespace of the hot-path benchmarks. The bench makes a
// database of its own, so fixed names cannot collide.
const ns = "bench__hot"

// Room is the hot-path model: a key, a unique name and three columns.
type Room struct {
	custommodel.CustomModel
	Name     string `gorm:"uniqueIndex"`
	Capacity int64
	Active   bool
	Note     string
}

// GrowthRoom is Room's twin for the growth benchmarks, whose table is grown
// to 1k, 100k and 1M rows.
type GrowthRoom struct {
	custommodel.CustomModel
	Name     string `gorm:"uniqueIndex"`
	Capacity int64
	Active   bool
	Note     string
}

// gormRoom is the room table as a plain GORM user maps it.
type gormRoom struct {
	DBID     int64 `gorm:"column:dbid;primaryKey"`
	Name     string
	Capacity int64
	Active   bool
	Note     string
}

func (gormRoom) TableName() string { return ns + ".room" }

// gormAttr is the attribute table as a plain GORM user maps it: a row per
// attribute, every value column.
type gormAttr struct {
	HubID          int64  `gorm:"primaryKey"`
	Name           string `gorm:"primaryKey"`
	TextValue      *string
	IntValue       *int64
	DecimalValue   *string
	BoolValue      *bool
	DateValue      *string
	TimestampValue *string
	JSONValue      *string `gorm:"column:json_value"`
}

func (gormAttr) TableName() string { return ns + ".custom_attribute" }
