package civil

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAndString(t *testing.T) {
	d, err := Parse("2026-11-25")
	require.NoError(t, err)
	assert.Equal(t, Date{2026, time.November, 25}, d)
	assert.Equal(t, "2026-11-25", d.String())
	_, err = Parse("25/11/2026")
	assert.ErrorContains(t, err, "YYYY-MM-DD")
}

func TestIsValid(t *testing.T) {
	assert.True(t, Date{2024, time.February, 29}.IsValid())
	assert.False(t, Date{2026, time.February, 29}.IsValid())
	assert.False(t, Date{}.IsValid())
}

func TestValueRefusesInvalid(t *testing.T) {
	_, err := Date{2026, time.February, 30}.Value()
	assert.ErrorContains(t, err, "not a valid date")
	v, err := Date{2026, time.March, 1}.Value()
	require.NoError(t, err)
	assert.Equal(t, "2026-03-01", v)
}

func TestScan(t *testing.T) {
	var d Date
	require.NoError(t, d.Scan(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, Date{2026, time.January, 2}, d)
	require.NoError(t, d.Scan([]byte("2025-12-31")))
	assert.Equal(t, Date{2025, time.December, 31}, d)
	assert.Error(t, d.Scan(nil))
	assert.Error(t, d.Scan(42))
}

func TestJSON(t *testing.T) {
	b, err := json.Marshal(map[string]Date{"d": {2026, time.July, 4}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"d":"2026-07-04"}`, string(b))
	var back map[string]Date
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, Date{2026, time.July, 4}, back["d"])
}

func TestOrder(t *testing.T) {
	a, b := Date{2026, 1, 1}, Date{2026, 1, 2}
	assert.True(t, a.Before(b))
	assert.True(t, b.After(a))
	assert.False(t, a.After(a))
}
