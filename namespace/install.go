package namespace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/canvas-sdk-go/customdata/custommodel"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
	"github.com/canvas-sdk-go/customdata/internal/systables"
	"github.com/canvas-sdk-go/customdata/manifest"
)

// Plugin is what Install needs to know of a plugin: its manifest's name and
// custom_data block, its secrets, and its models.
type Plugin struct {
	// Name is the plugin's name (the manifest's "name").
	Name string
	// CustomData is the manifest's custom_data block.
	CustomData manifest.CustomData
	// Secrets are the plugin's secret values by secret name; the namespace
	// keys are read from manifest.ReadAccessKey and
	// manifest.ReadWriteAccessKey. When a read_write install creates the
	// namespace and both are set, they become its keys.
	Secrets map[string]string
	// Models are pointers to the plugin's custom model structs (e.g.
	// &NoteTag{}); a read_write install creates or extends their tables.
	Models []any
}

// String shows the plugin without its secrets' values: %v and %+v of a
// Plugin name the secrets it holds, never what they are.
func (p Plugin) String() string {
	names := make([]string, 0, len(p.Secrets))
	for n := range p.Secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Sprintf("namespace.Plugin{Name: %q, CustomData: {Namespace: %q, Access: %q}, Secrets: %v (values hidden), Models: %d}",
		p.Name, p.CustomData.Namespace, p.CustomData.Access, names, len(p.Models))
}

// GoString hides the secrets from %#v too.
func (p Plugin) GoString() string { return p.String() }

// Format hides the secrets from every verb (%d, %q, %x, ...), not only
// those that call String.
func (p Plugin) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// Installation is the outcome of Install.
type Installation struct {
	// Namespace is the namespace the plugin joined.
	Namespace string
	// Access is the level the plugin was installed with.
	Access manifest.Access
	// Created is true when this install created the namespace.
	Created bool
	// Keys are the new namespace's keys, set only when Created. They are not
	// stored anywhere in plain text: hand them to the plugin's secrets now.
	Keys *Keys
	// DDL lists the model statements this install ran; empty when the models
	// were unchanged since the plugin's last install (or for read plugins).
	DDL []string
}

// Install installs a plugin into its namespace, idempotently, atomically
// (a failed install leaves nothing half-made) and safely when several
// processes install at once:
//
//   - read_write, namespace absent: creates the schema, its system tables, its
//     roles and two keys (returned once in Installation.Keys), then the
//     plugin's tables;
//   - read_write, namespace present: requires the read_write key in
//     Secrets[manifest.ReadWriteAccessKey], then creates/extends the plugin's
//     tables;
//   - read: requires the namespace and a valid key (read or read_write) in
//     Secrets[manifest.ReadAccessKey] (or the read_write secret); runs no DDL.
//
// An install is one transaction, serialized with every other install of the
// same namespace by a row lock in customdata_admin.lock: concurrent installs are safe, and a
// failed or interrupted install leaves nothing behind. A re-install whose
// models are unchanged runs no DDL (schema_version keeps a digest per plugin).
//
// On pgx connections (the Manager's own) an install sends its statements in
// batches, each one round trip: a re-install with unchanged models whose
// grants are in place takes two round trips, a first install four.
func (m *Manager) Install(ctx context.Context, p Plugin) (*Installation, error) {
	ns := p.CustomData.Namespace
	if err := validateName(ns); err != nil {
		return nil, err
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, fmt.Errorf("customdata: %w: the plugin has no name", ErrInvalidPlugin)
	}
	access := p.CustomData.Access
	if access != accessRead && access != accessReadWrite {
		return nil, fmt.Errorf("customdata: %w: plugin %q declares access %q; want %q or %q", ErrInvalidPlugin, p.Name, access, accessRead, accessReadWrite)
	}
	var (
		models  *custommodel.Models
		ddl     []string
		renames []custommodel.IndexRename
	)
	if access == accessReadWrite {
		var err error
		if models, err = custommodel.ParseModels(ns, p.Models...); err != nil {
			return nil, fmt.Errorf("customdata: plugin %q: %w", p.Name, err)
		}
		ddl, renames = models.DDL(), models.IndexRenames()
	}
	supplied, err := suppliedKeys(p)
	if err != nil {
		return nil, err
	}

	pl := &installPlan{p: p, ns: ns, access: access, models: models, ddl: ddl, renames: renames, supplied: supplied}
	if inst, ok, err := m.installPipelined(ctx, pl); ok {
		return inst, err
	}
	inst := &Installation{Namespace: ns, Access: access}
	err = m.lockedTx(ctx, m.admin, ns, func(tx *gorm.DB) error {
		*inst = Installation{Namespace: ns, Access: access} // a retried attempt starts afresh
		exists, err := schemaExists(tx, ns)
		if err != nil {
			return err
		}
		switch {
		case !exists && access == accessRead:
			return errNotFound(p.Name, ns)
		case !exists:
			keys := supplied
			if keys == nil {
				keys = &Keys{Read: newKey(), ReadWrite: newKey()}
			}
			if err := createNamespace(tx, ns, keys, "created by the install of plugin "+p.Name); err != nil {
				return err
			}
			inst.Created, inst.Keys = true, keys
		default:
			if err := checkInstallKey(tx, p, ns); err != nil {
				return err
			}
			if access == accessReadWrite {
				if err := upgradeIndexes(tx, ns); err != nil {
					return err
				}
			}
		}
		if err := m.ensureRoles(tx, ns); err != nil {
			return err
		}
		canvas, err := m.lookupCanvasRoles(tx)
		if err != nil {
			return err
		}
		if canvas.sdk != "" && access == accessReadWrite {
			// Before the DDL: the tables a Python plugin made belong to
			// the SDK role, and ALTER TABLE needs its privileges.
			if err := actAsSDKRole(tx, canvas.sdk); err != nil {
				return err
			}
		}
		if access == accessReadWrite && !inst.Created {
			if err := renameModelIndexes(tx, ns, renames); err != nil {
				return err
			}
		}
		if access == accessReadWrite {
			if err := custommodel.CheckExisting(ctx, tx, ns, p.Models...); err != nil {
				return fmt.Errorf("customdata: plugin %q: %w", p.Name, err)
			}
			ran, err := applyModels(tx, ns, p.Name, ddl)
			if err != nil {
				return err
			}
			inst.DDL = ran
		}
		return m.grant(tx, ns)
	})
	if err != nil {
		return nil, err
	}
	return inst, nil
}

// suppliedKeys returns the caller's key pair for a new namespace, when a
// read_write plugin supplies both (caller-supplied keys are taken only as a
// pair); otherwise nil, and a new namespace gets fresh keys. A single key is what a joining plugin presents.
func suppliedKeys(p Plugin) (*Keys, error) {
	r, rw := p.Secrets[secretRead], p.Secrets[secretReadWrite]
	if p.CustomData.Access != accessReadWrite || (r == "" && rw == "") {
		return nil, nil
	}
	if r == "" || rw == "" {
		return nil, nil
	}
	if r == rw {
		return nil, fmt.Errorf("customdata: %w: plugin %q sets %q and %q to the same value; the two keys must differ", ErrInvalidPlugin, p.Name, secretRead, secretReadWrite)
	}
	for secret, v := range map[string]string{secretRead: r, secretReadWrite: rw} {
		if err := checkSuppliedKey(secret, v); err != nil {
			return nil, fmt.Errorf("customdata: plugin %q: %w", p.Name, err)
		}
	}
	return &Keys{Read: r, ReadWrite: rw}, nil
}

// checkInstallKey verifies the key a plugin presents to join ns.
func checkInstallKey(tx *gorm.DB, p Plugin, ns string) error {
	secret, key := installKey(p)
	if key == "" {
		return errKeyMissing(p.Name, ns, secret)
	}
	level, err := lookupKey(tx, ns, key)
	if err != nil {
		return err
	}
	return checkKeyLevel(p, ns, secret, level)
}

// installKey returns the secret a plugin presents to join its namespace
// and the key in it ("" when it has none).
func installKey(p Plugin) (secret, key string) {
	secret = secretReadWrite
	key = p.Secrets[secretReadWrite]
	if p.CustomData.Access == accessRead {
		secret = secretRead
		if k := p.Secrets[secretRead]; k != "" {
			key = k
		}
	}
	return secret, key
}

// checkKeyLevel refuses a key (from secret) that grants level ("" for
// none) when p needs more.
func checkKeyLevel(p Plugin, ns, secret string, level manifest.Access) error {
	switch {
	case level == "":
		return errKeyInvalid(p.Name, ns, secret)
	case p.CustomData.Access == accessReadWrite && level != accessReadWrite:
		return errReadOnlyKey(p.Name, ns)
	}
	return nil
}

// createNamespace makes the schema, its system tables and its two keys.
func createNamespace(tx *gorm.DB, ns string, keys *Keys, description string) error {
	return execGorm(tx, createNamespaceStmts(ns, keys, description))
}

// createNamespaceStmts are createNamespace's statements.
func createNamespaceStmts(ns string, keys *Keys, description string) []stmt {
	what := fmt.Sprintf("create namespace %q", ns)
	var stmts []stmt
	for _, s := range append([]string{"CREATE SCHEMA " + sqlident.Quote(ns), "REVOKE ALL ON SCHEMA " + sqlident.Quote(ns) + " FROM PUBLIC"}, systables.DDL(ns)...) {
		stmts = append(stmts, stmt{sql: s, what: what})
	}
	return append(stmts, insertKeyStmt(ns, keys.Read, accessRead, description), insertKeyStmt(ns, keys.ReadWrite, accessReadWrite, description))
}

func insertKey(tx *gorm.DB, ns, key string, level manifest.Access, description string) error {
	return execGorm(tx, []stmt{insertKeyStmt(ns, key, level, description)})
}

func insertKeyStmt(ns, key string, level manifest.Access, description string) stmt {
	return stmt{
		sql:  "INSERT INTO " + sqlident.Quote(ns, systables.NamespaceAuth) + " (key_hash, access_level, description) VALUES ($1, $2, $3)",
		args: []any{hashKey(key), string(level), description},
		what: fmt.Sprintf("store a key of namespace %q", ns),
	}
}

// modelsDigest is the digest schema_version records for a plugin's model
// DDL.
func modelsDigest(ddl []string) string {
	sum := sha256.Sum256([]byte(strings.Join(ddl, ";\n")))
	return hex.EncodeToString(sum[:])
}

// modelStmts are the model DDL statements of plugin.
func modelStmts(ns, plugin string, ddl []string) []stmt {
	what := fmt.Sprintf("plugin %q: create tables in namespace %q", plugin, ns)
	out := make([]stmt, len(ddl))
	for i, s := range ddl {
		out[i] = stmt{sql: s, what: what}
	}
	return out
}

// applyModels runs the plugin's model DDL unless schema_version already
// records the same digest for the plugin, then marks the plugin ready as
// Canvas's runner does (markReady), unchanged models included. It returns
// the statements it ran.
func applyModels(tx *gorm.DB, ns, plugin string, ddl []string) ([]string, error) {
	digest := modelsDigest(ddl)
	var recorded []string
	sv := sqlident.Quote(ns, systables.SchemaVersion)
	if err := tx.Raw("SELECT coalesce(models_hash, '') FROM "+sv+" WHERE plugin_name = $1", plugin).Scan(&recorded).Error; err != nil {
		return nil, err
	}
	var ran []string
	if len(recorded) != 1 || recorded[0] != digest {
		if err := execGorm(tx, modelStmts(ns, plugin, ddl)); err != nil {
			return nil, err
		}
		ran = ddl
	}
	if err := markReady(tx, ns, plugin, digest); err != nil {
		return nil, err
	}
	return ran, nil
}

// renameModelIndexes gives the model indexes an earlier version of this
// SDK made in ns their current names before the DDL runs, so that its
// CREATE INDEX IF NOT EXISTS finds them: an index under its old name only
// is renamed; one under both names (the other SDK made the new one) loses
// its old copy. Only an old name on the model's own table counts: an index
// of that name on another table is left alone.
func renameModelIndexes(tx *gorm.DB, ns string, renames []custommodel.IndexRename) error {
	if len(renames) == 0 {
		return nil
	}
	var existing []nsIndex
	g := &gormReader{tx: tx}
	g.read(fmt.Sprintf("look up indexes of namespace %q", ns), &existing, nsIndexesSQL, ns)
	if g.err != nil {
		return g.err
	}
	return execGorm(tx, renamePlan(ns, renames, existing))
}

// nsIndex is an index of a namespace (nsIndexesSQL).
type nsIndex struct {
	Indexname string `json:"indexname"`
	Tablename string `json:"tablename"`
}

const nsIndexesSQL = `SELECT indexname, tablename FROM pg_indexes WHERE schemaname = $1`

// renamePlan returns renameModelIndexes' statements for the indexes ns
// has (existing).
func renamePlan(ns string, renames []custommodel.IndexRename, existing []nsIndex) []stmt {
	tableOf := map[string]string{}
	for _, e := range existing {
		tableOf[e.Indexname] = e.Tablename
	}
	var stmts []stmt
	for _, r := range renames {
		var s string
		oldTable, hasOld := tableOf[r.Old]
		newTable, hasNew := tableOf[r.New]
		switch {
		case !hasOld || oldTable != r.Table:
			continue
		case hasNew && newTable == r.Table:
			s = "DROP INDEX " + sqlident.Quote(ns, r.Old)
		case hasNew:
			continue // the name is another table's; the DDL's CREATE INDEX reports it
		default:
			s = "ALTER INDEX " + sqlident.Quote(ns, r.Old) + " RENAME TO " + sqlident.Quote(r.New)
		}
		stmts = append(stmts, stmt{sql: s, what: fmt.Sprintf("rename index %q of table %q in namespace %q", r.Old, r.Table, ns)})
		delete(tableOf, r.Old)
		tableOf[r.New] = r.Table
	}
	return stmts
}

// upgradeIndexes gives a namespace made by an earlier version of this SDK
// Canvas's index names on custom_attribute (systables.UpgradeDDL), if it
// still has any of the old ones.
func upgradeIndexes(tx *gorm.DB, ns string) error {
	var legacy []legacyIndexes
	g := &gormReader{tx: tx}
	g.read(fmt.Sprintf("look up indexes of namespace %q", ns), &legacy, legacyIndexesSQL, ns, systables.LegacyIndexes)
	if g.err != nil {
		return g.err
	}
	if len(legacy) != 1 || !legacy[0].Legacy {
		return nil
	}
	return execGorm(tx, upgradeStmts(ns))
}

type legacyIndexes struct {
	Legacy bool `json:"legacy"`
}

const legacyIndexesSQL = `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = ANY($2::text[])) AS legacy`

func upgradeStmts(ns string) []stmt {
	var out []stmt
	for _, s := range systables.UpgradeDDL(ns) {
		out = append(out, stmt{sql: s, what: fmt.Sprintf("rename the indexes of namespace %q", ns)})
	}
	return out
}

// PluginFromManifest builds the Plugin that Install takes from a parsed
// manifest (its name and custom_data block), the plugin's secret values and
// its models. A manifest without custom_data is an ErrInvalidPlugin error.
func PluginFromManifest(m *manifest.Manifest, secrets map[string]string, models ...any) (Plugin, error) {
	if m == nil || m.CustomData == nil {
		name := ""
		if m != nil {
			name = m.Name
		}
		return Plugin{}, fmt.Errorf("customdata: %w: manifest of plugin %q has no custom_data block", ErrInvalidPlugin, name)
	}
	return Plugin{Name: m.Name, CustomData: *m.CustomData, Secrets: secrets, Models: models}, nil
}
