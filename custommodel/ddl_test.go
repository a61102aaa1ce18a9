package custommodel_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.sql from the current DDL output")

func TestDDLGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		ns     string
		models []any
	}{
		{"quickstart", quickStartNS, []any{&CustomNote{}, &NoteTag{}}},
		{"room_booking", "custom_data__room_booking", []any{&Booking{}, &Room{}}},
		{"every_type", "acme__types", []any{&EveryType{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stmts, err := custommodel.DDL(c.ns, c.models...)
			require.NoError(t, err)
			got := strings.Join(stmts, ";\n") + ";\n"
			path := filepath.Join("testdata", "golden", c.name+".sql")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -run TestDDLGolden -update to create it")
			assert.Equal(t, string(want), got)

			// Deterministic, and independent of the models' order.
			rev := append([]any(nil), c.models...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			again, err := custommodel.DDL(c.ns, rev...)
			require.NoError(t, err)
			assert.Equal(t, stmts, again)
		})
	}
}

type columnInfo struct {
	Name     string  `gorm:"column:column_name"`
	Type     string  `gorm:"column:data_type"`
	Nullable string  `gorm:"column:is_nullable"`
	Default  *string `gorm:"column:column_default"`
	Identity string  `gorm:"column:is_identity"`
}

func (e *env) columns(t *testing.T, table string) []columnInfo {
	t.Helper()
	var cols []columnInfo
	require.NoError(t, e.d.DB.Raw(`SELECT column_name, data_type, is_nullable, column_default, is_identity
		FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`, e.ns, table).Scan(&cols).Error)
	return cols
}

func (e *env) primaryKey(t *testing.T, table string) []string {
	t.Helper()
	var cols []string
	require.NoError(t, e.d.DB.Raw(`SELECT kcu.column_name FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
		WHERE tc.table_schema = ? AND tc.table_name = ? AND tc.constraint_type = 'PRIMARY KEY'
		ORDER BY kcu.ordinal_position`, e.ns, table).Scan(&cols).Error)
	return cols
}

func (e *env) indexDefs(t *testing.T, table string) map[string]string {
	t.Helper()
	var rows []struct{ Indexname, Indexdef string }
	require.NoError(t, e.d.DB.Raw(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ? AND tablename = ?`, e.ns, table).Scan(&rows).Error)
	out := map[string]string{}
	for _, r := range rows {
		out[r.Indexname] = r.Indexdef
	}
	return out
}

func TestQuickStartTableColumnForColumn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, quickStartNS, &CustomNote{}, &NoteTag{})
	// my_org__hello_custom_data.notetag (note_id bigint not null primary key, tagged_by text)
	assert.Equal(t, []columnInfo{
		{Name: "note_id", Type: "bigint", Nullable: "NO", Identity: "NO"},
		{Name: "tagged_by", Type: "text", Nullable: "YES", Identity: "NO"},
	}, e.columns(t, "notetag"))
	assert.Equal(t, []string{"note_id"}, e.primaryKey(t, "notetag"))
	assert.Equal(t, map[string]string{
		"notetag_pkey": `CREATE UNIQUE INDEX notetag_pkey ON my_org__hello_custom_data.notetag USING btree (note_id)`,
	}, e.indexDefs(t, "notetag"))
	var fks int
	require.NoError(t, e.d.DB.Raw(`SELECT count(*) FROM information_schema.table_constraints
		WHERE table_schema = ? AND table_name = 'notetag' AND constraint_type = 'FOREIGN KEY'`, e.ns).Scan(&fks).Error)
	assert.Zero(t, fks, "links are logical: no REFERENCES")
}

func TestRoomBookingTables(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "custom_data__room_booking", &Room{}, &Booking{})
	cols := e.columns(t, "booking")
	require.NotEmpty(t, cols)
	assert.Equal(t, columnInfo{Name: "dbid", Type: "bigint", Nullable: "NO", Identity: "YES"}, cols[0])
	for _, c := range cols[1:] {
		assert.Equal(t, "YES", c.Nullable, c.Name)
		assert.Nil(t, c.Default, c.Name)
	}
	idx := e.indexDefs(t, "booking")
	assert.Contains(t, idx["custom_data__room_booking_booking_room_slot"], "CREATE UNIQUE INDEX custom_data__room_booking_booking_room_slot ON custom_data__room_booking.booking USING btree (room_id, slot)")
	assert.Contains(t, idx["custom_data__room_booking_booking_staff_schedule"], "(staff_id, slot DESC)")
	assert.Contains(t, idx["custom_data__room_booking_booking_confirmed"], "WHERE (status = 'confirmed'::text)")
	assert.Contains(t, idx, "custom_data__room_booking_booking_booking_patient_5700f5_idx")
	assert.Contains(t, e.indexDefs(t, "room")["custom_data__room_booking_room_room_feature_be4923_gin"], "USING gin (features)")
}

func TestDDLRerunChangesNothing(t *testing.T) {
	t.Parallel()
	models := []any{&Room{}, &Booking{}, &EveryType{}, &NoteTag{}}
	e := newEnv(t, "acme__rerun", models...)
	snapshot := func() string {
		var s string
		require.NoError(t, e.d.DB.Raw(`SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, ordinal_position)
			FROM information_schema.columns WHERE table_schema = ?`, e.ns).Scan(&s).Error)
		var idx string
		require.NoError(t, e.d.DB.Raw(`SELECT string_agg(indexdef, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = ?`, e.ns).Scan(&idx).Error)
		return s + "|" + idx
	}
	before := snapshot()
	e.apply(t, models...)
	assert.Equal(t, before, snapshot())
}

func TestDDLAddFieldKeepsRowsRemoveFieldDropsNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__evolve")
	{
		type Widget struct {
			custommodel.CustomModel
			Name string
		}
		e.apply(t, &Widget{})
		_, _, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"dbid": 1}, &Widget{Name: "first"})
		require.NoError(t, err)
	}
	{
		type Widget struct {
			custommodel.CustomModel
			Name  string
			Color *string
		}
		e.apply(t, &Widget{})
		var w Widget
		require.NoError(t, e.db.First(&w).Error)
		assert.Equal(t, "first", w.Name, "rows survive an added field")
		assert.Nil(t, w.Color)
	}
	{
		type Widget struct {
			custommodel.CustomModel
			Size int32
		}
		e.apply(t, &Widget{})
	}
	var names []string
	for _, c := range e.columns(t, "widget") {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"dbid", "name", "color", "size"}, names, "removed fields keep their columns")
	assert.EqualValues(t, 1, e.count(t, "widget"))
}

func TestSameModelInTwoNamespaces(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, "acme__one", &Room{}, &Booking{})
	other := e.d.Scoped(t, "acme__two")
	applyDDL(t, e.d.DB, "acme__two", &Room{}, &Booking{})

	_, created, err := custommodel.GetOrCreate(ctx, e.db, custommodel.Lookup{"name": "Blue"}, &Room{Capacity: 4})
	require.NoError(t, err)
	assert.True(t, created)
	_, created, err = custommodel.GetOrCreate(ctx, other, custommodel.Lookup{"name": "Blue"}, &Room{Capacity: 8})
	require.NoError(t, err)
	assert.True(t, created, "the second namespace has its own table")

	var one, two Room
	require.NoError(t, e.db.Where("name = ?", "Blue").First(&one).Error)
	require.NoError(t, other.Where("name = ?", "Blue").First(&two).Error)
	assert.EqualValues(t, 4, one.Capacity)
	assert.EqualValues(t, 8, two.Capacity)
	require.NoError(t, e.db.Create(&Room{Name: "Green"}).Error)
	assert.EqualValues(t, 2, e.count(t, "room"))
	var n int64
	require.NoError(t, other.Model(&Room{}).Count(&n).Error)
	assert.EqualValues(t, 1, n)
}
