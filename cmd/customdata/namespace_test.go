package main

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
)

const ns = "acme__rooms"

// Room is the custom model the test plugin installs: table acme__rooms.room.
type Room struct {
	custommodel.CustomModel
	Label    string
	Capacity int32
}

// installed is a fresh database holding namespace ns with one custom table
// and a row in it.
type installed struct {
	dsn  string
	m    *namespace.Manager
	keys *namespace.Keys
}

func install(t *testing.T) *installed {
	t.Helper()
	d := testdb.New(t)
	ctx := context.Background()
	m, err := namespace.NewManager(ctx, d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	inst, err := m.Install(ctx, namespace.Plugin{
		Name:       "room_booking",
		CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite},
		Models:     []any{&Room{}},
	})
	require.NoError(t, err)
	require.True(t, inst.Created)
	h, err := m.Open(ctx, ns, inst.Keys.ReadWrite)
	require.NoError(t, err)
	defer func() { _ = h.Close() }()
	require.NoError(t, h.DB(ctx).Create(&Room{Label: "A", Capacity: 4}).Error)
	return &installed{dsn: d.DSN, m: m, keys: inst.Keys}
}

// cmd runs a namespace command against the installed database.
func (in *installed) cmd(t *testing.T, args ...string) result {
	t.Helper()
	return runCmd(t, nil, append([]string{"namespace"}, append(args, "-database-url", in.dsn)...)...)
}

// customTables returns the custom tables of ns, as the Manager sees them.
func (in *installed) customTables(t *testing.T) []string {
	t.Helper()
	insp, err := in.m.Inspect(context.Background(), ns)
	require.NoError(t, err)
	var out []string
	for _, tb := range insp.Tables {
		if !tb.System {
			out = append(out, tb.Name)
		}
	}
	return out
}

func (in *installed) opens(t *testing.T, key string) (manifest.Access, error) {
	t.Helper()
	h, err := in.m.Open(context.Background(), ns, key)
	if err != nil {
		return "", err
	}
	defer func() { _ = h.Close() }()
	return h.Access(), nil
}

var keyPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func TestNamespaceListAndInspect(t *testing.T) {
	t.Parallel()
	in := install(t)

	r := in.cmd(t, "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `NAMESPACE\s+TABLES\s+CUSTOM TABLES\s+ROWS \(EST\.\)\s+KEYS`, r.stdout)
	assert.Regexp(t, ns+`\s+5\s+1\s+\d+\s+2\n`, r.stdout)

	r = in.cmd(t, "list", "-json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var list []summaryJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	assert.Equal(t, []summaryJSON{{Name: ns, Tables: 5, CustomTables: 1, RowEstimate: list[0].RowEstimate, Keys: 2}}, list)

	r = in.cmd(t, "inspect", ns)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "namespace "+ns+": 5 tables, 1 custom")
	assert.Contains(t, r.stdout, "room (custom table, ~")
	assert.Contains(t, r.stdout, "namespace_auth (system table, ~")
	assert.Regexp(t, `\n  label\s+text\s+null\n`, r.stdout)
	assert.Regexp(t, `\n  capacity\s+integer\s+null\n`, r.stdout)
	assert.Regexp(t, `\n  dbid\s+bigint\s+not null\n`, r.stdout)

	r = in.cmd(t, "inspect", "-json", ns)
	require.Equal(t, exitOK, r.code, r.stderr)
	var insp inspectionOut
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &insp))
	assert.Equal(t, ns, insp.Name)
	var room *tableJSON
	for i := range insp.Tables {
		if insp.Tables[i].Name == "room" {
			room = &insp.Tables[i]
		}
	}
	require.NotNil(t, room, "inspect -json lists the room table")
	assert.False(t, room.System)
	assert.Contains(t, room.Columns, columnJSON{Name: "capacity", Type: "integer", Nullable: true})

	// DATABASE_URL stands in for -database-url.
	r = runCmd(t, map[string]string{"DATABASE_URL": in.dsn}, "namespace", "inspect", ns)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "room (custom table")
}

func TestNamespaceRefusals(t *testing.T) {
	t.Parallel()
	in := install(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"inspect unknown", []string{"inspect", "acme__nothing"}, `there is no namespace "acme__nothing" in this database`},
		{"reset unknown", []string{"reset", "-apply", "acme__nothing"}, `there is no namespace "acme__nothing"`},
		{"drop unknown", []string{"drop", "acme__nothing"}, `there is no namespace "acme__nothing"`},
		{"add-key unknown", []string{"add-key", "-access", "read", "acme__nothing"}, `there is no namespace "acme__nothing"`},
		{"rotate unknown", []string{"rotate-keys", "acme__nothing"}, `there is no namespace "acme__nothing"`},
		{"invalid name", []string{"drop", "-apply", "Acme__Rooms"}, `invalid namespace "Acme__Rooms"`},
		{"schema injection", []string{"inspect", `x__y"; drop schema acme__rooms cascade; --`}, "invalid namespace"},
	}
	for _, c := range cases {
		r := in.cmd(t, c.args...)
		assert.Equal(t, exitFailed, r.code, c.name)
		assert.Contains(t, r.stderr, c.want, c.name)
		assert.NotContains(t, r.stderr, "customdata: customdata:", c.name)
		assert.Empty(t, r.stdout, c.name)
	}
	assert.Equal(t, []string{"room"}, in.customTables(t), "refusals changed nothing")

	r := runCmd(t, nil, "namespace", "list", "-database-url", "postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=5")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "connect to the platform database")
}

func TestNamespaceReset(t *testing.T) {
	t.Parallel()
	in := install(t)

	r := in.cmd(t, "reset", ns)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "reset of namespace "+ns+" would run:")
	assert.Contains(t, r.stdout, `  DROP TABLE "acme__rooms"."room" CASCADE;`)
	assert.Contains(t, r.stdout, "TRUNCATE ")
	assert.Contains(t, r.stdout, "dry run: nothing changed; run again with -apply")
	assert.Equal(t, []string{"room"}, in.customTables(t), "a dry run drops nothing")

	r = in.cmd(t, "reset", ns, "-apply") // the flag after NAME
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "reset of namespace "+ns+" ran:")
	assert.Contains(t, r.stdout, "done: namespace "+ns+" reset")
	assert.NotContains(t, r.stdout, "dry run")
	assert.Empty(t, in.customTables(t), "reset -apply drops the custom tables")

	access, err := in.opens(t, in.keys.ReadWrite)
	require.NoError(t, err, "reset keeps the keys")
	assert.Equal(t, manifest.ReadWrite, access)
}

func TestNamespaceDrop(t *testing.T) {
	t.Parallel()
	in := install(t)

	r := in.cmd(t, "drop", ns)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `  DROP SCHEMA "acme__rooms" CASCADE;`)
	assert.Contains(t, r.stdout, "dry run: nothing changed; run again with -apply")
	list, err := in.m.List(context.Background())
	require.NoError(t, err)
	require.Len(t, list, 1, "a dry run drops nothing")

	r = in.cmd(t, "drop", "-apply", ns)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "done: namespace "+ns+" dropped")
	list, err = in.m.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = in.opens(t, in.keys.ReadWrite)
	assert.ErrorIs(t, err, namespace.ErrNamespaceNotFound)

	r = in.cmd(t, "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "no namespaces\n", r.stdout)
	r = in.cmd(t, "list", "-json")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "[]\n", r.stdout)
}

func TestNamespaceKeys(t *testing.T) {
	t.Parallel()
	in := install(t)

	r := in.cmd(t, "add-key", ns, "-access", "read", "-description", "reporting plugin")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `\n  namespace_read_access_key\s+`+keyPattern.String()+`\n`, r.stdout)
	assert.Contains(t, r.stdout, "only its SHA-256 digest")
	readKey := keyPattern.FindString(r.stdout)
	access, err := in.opens(t, readKey)
	require.NoError(t, err, "the printed key opens the namespace")
	assert.Equal(t, manifest.Read, access)

	r = in.cmd(t, "add-key", "-access", "read_write", ns)
	require.Equal(t, exitOK, r.code, r.stderr)
	access, err = in.opens(t, keyPattern.FindString(r.stdout))
	require.NoError(t, err)
	assert.Equal(t, manifest.ReadWrite, access)

	r = in.cmd(t, "list")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, ns+`\s+5\s+1\s+\d+\s+4\n`, r.stdout, "two keys added")

	r = in.cmd(t, "rotate-keys", ns)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "only their SHA-256 digests")
	var keys [2]string
	for i, secret := range []string{manifest.ReadAccessKey, manifest.ReadWriteAccessKey} {
		m := regexp.MustCompile(`\n  ` + secret + `\s+(` + keyPattern.String() + `)\n`).FindStringSubmatch(r.stdout)
		require.Len(t, m, 2, "rotate-keys prints %s", secret)
		keys[i] = m[1]
	}
	for _, old := range []string{in.keys.Read, in.keys.ReadWrite, readKey} {
		_, err := in.opens(t, old)
		assert.ErrorIs(t, err, namespace.ErrKeyInvalid, "old keys are refused")
	}
	for i, want := range []manifest.Access{manifest.Read, manifest.ReadWrite} {
		access, err := in.opens(t, keys[i])
		require.NoError(t, err)
		assert.Equal(t, want, access)
	}
}
