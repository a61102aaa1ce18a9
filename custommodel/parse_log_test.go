package custommodel_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

type WithStruct struct {
	custommodel.CustomModel
	Addr Address
}

type WithMap struct {
	custommodel.CustomModel
	Meta map[string]any
}

type LinksToBroken struct {
	custommodel.CustomModel
	WithStructID int64
	WithStruct   *WithStruct
}

// countingLogger counts every message GORM logs.
type countingLogger struct{ n int }

func (l *countingLogger) LogMode(logger.LogLevel) logger.Interface                        { return l }
func (l *countingLogger) Info(context.Context, string, ...any)                            { l.n++ }
func (l *countingLogger) Warn(context.Context, string, ...any)                            { l.n++ }
func (l *countingLogger) Error(context.Context, string, ...any)                           { l.n++ }
func (l *countingLogger) Trace(context.Context, time.Time, func() (string, int64), error) {}

// TestDDLLogsNothing is not parallel: it swaps GORM's global
// logger.Default, which the schema parser logs to, and the package's
// parallel tests only start once the sequential ones are done.
func TestDDLLogsNothing(t *testing.T) {
	rec := &countingLogger{}
	saved := logger.Default
	logger.Default = rec
	defer func() { logger.Default = saved }()

	cases := []struct {
		model any
		want  []string
	}{
		{&WithStruct{}, []string{"WithStruct, field Addr", "serializer:json"}},
		{&WithMap{}, []string{"WithMap, field Meta", "serializer:json"}},
		{&LinksToBroken{}, []string{"WithStruct, field Addr"}},
	}
	for _, c := range cases {
		_, err := custommodel.DDL("acme__log", c.model)
		require.ErrorIs(t, err, custommodel.ErrUnsupportedType)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w)
		}
	}
	assert.Zero(t, rec.n, "GORM logged a parse error")
}
