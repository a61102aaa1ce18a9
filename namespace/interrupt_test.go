package namespace_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
)

// TestKilledInstallLeavesNothing kills the install's connection while it
// waits on the grants lock (after the schema, tables, keys and roles are
// made, before commit): nothing may remain, and the next install succeeds.
func TestKilledInstallLeavesNothing(t *testing.T) {
	t.Parallel()
	m, d := newManager(t)
	// An SDK table: the new namespace's roles need SELECT on it, a grant
	// on a shared object, which installs make under the grants lock.
	require.NoError(t, d.DB.Exec("CREATE TABLE public.canvas_sdk_data_api_note_001 (dbid bigint PRIMARY KEY)").Error)
	blocker, err := d.DB.DB()
	require.NoError(t, err)
	hold, err := blocker.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = hold.ExecContext(ctx, `INSERT INTO customdata_admin.lock (name) VALUES ('grants') ON CONFLICT DO NOTHING;
SELECT name FROM customdata_admin.lock WHERE name = 'grants' FOR UPDATE`)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := m.Install(ctx, rwPlugin("doomed", "acme__killed", nil))
		done <- err
	}()
	var pid int
	require.Eventually(t, func() bool {
		err := d.DB.Raw(`SELECT coalesce(min(pid), 0) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%customdata_admin%lock%'`).Scan(&pid).Error
		return err == nil && pid != 0
	}, 10*time.Second, 10*time.Millisecond, "the install never reached the grant step")
	var inSchema bool
	require.NoError(t, d.DB.Raw("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND xact_start IS NOT NULL)", pid).Scan(&inSchema).Error)
	require.True(t, inSchema, "the install is inside its transaction")
	require.NoError(t, d.DB.Exec("SELECT pg_terminate_backend($1)", pid).Error)
	require.Error(t, <-done)
	require.NoError(t, hold.Rollback())

	var schemas, roles, creds int
	require.NoError(t, d.DB.Raw("SELECT count(*) FROM pg_namespace WHERE nspname = 'acme__killed'").Scan(&schemas).Error)
	require.NoError(t, d.DB.Raw("SELECT count(*) FROM pg_roles WHERE starts_with(rolname, $1)", pgrole.DatabasePrefix(d.OID)).Scan(&roles).Error)
	require.NoError(t, d.DB.Raw("SELECT count(*) FROM customdata_admin.role_credential").Scan(&creds).Error)
	assert.Zero(t, schemas, "no schema")
	assert.Zero(t, roles, "no role")
	assert.Zero(t, creds, "no credential row")

	inst, err := m.Install(ctx, rwPlugin("doomed", "acme__killed", nil))
	require.NoError(t, err)
	assert.True(t, inst.Created)
	h, err := m.Open(ctx, "acme__killed", inst.Keys.ReadWrite)
	require.NoError(t, err)
	assert.NoError(t, h.DB(ctx).Exec("INSERT INTO acme__killed.attribute_hub (type, id) VALUES ('a', 'b')").Error)
}
