package customdatatest

import (
	"context"
	"testing"
	"time"

	"github.com/canvas-sdk-go/customdata/manifest"
	"github.com/canvas-sdk-go/customdata/namespace"
	"github.com/canvas-sdk-go/customdata/sdkmodel"
)

// Installed is a plugin installed, as the platform would install it, into a
// test database of its own.
type Installed struct {
	// Database is the test's database, with the platform fixture's tables
	// (package sdkmodel) already in schema public.
	*Database
	// Manager is the platform side, over the admin connection: seed SDK
	// rows through Manager.DB(), or call its admin operations.
	Manager *namespace.Manager
	// Installation is what the plugin's install returned.
	Installation *namespace.Installation
	// Keys are the namespace's keys.
	Keys *namespace.Keys
	// Handle is what the plugin's code gets: its namespace at the access
	// level its manifest declares. Pass Handle.DB(ctx) to the code under test.
	Handle *namespace.Handle
	// ReadWrite is a read_write handle on the same namespace, for seeding data
	// that a read plugin will read.
	ReadWrite *namespace.Handle
}

// FixtureConfig is the Config of databases that hold the platform fixture
// (sdkmodel.CreateFixtureTables), built once into a template.
func FixtureConfig() Config {
	return Config{TemplateVersion: sdkmodel.FixtureVersion(), TemplateInit: sdkmodel.CreateFixtureTables}
}

// Install gives t a fresh database with the platform fixture and installs p
// into it. A read_write plugin creates its namespace; for a read plugin the
// namespace is first created by a stand-in read_write plugin ("<name>_owner")
// and p then joins with the read key, as it would in production. The handles
// are closed and the database dropped when t ends (kept if t failed).
func Install(t testing.TB, p namespace.Plugin) *Installed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := NewWithConfig(t, FixtureConfig())
	m, err := namespace.NewManager(ctx, d.DSN)
	if err != nil {
		t.Fatalf("customdatatest: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })

	ns := p.CustomData.Namespace
	var keys *namespace.Keys
	var inst *namespace.Installation
	if p.CustomData.Access == manifest.Read {
		owner := namespace.Plugin{Name: p.Name + "_owner", CustomData: manifest.CustomData{Namespace: ns, Access: manifest.ReadWrite}, Models: p.Models}
		made, err := m.Install(ctx, owner)
		if err != nil {
			t.Fatalf("customdatatest: create namespace %q for read plugin %q: %v", ns, p.Name, err)
		}
		keys = made.Keys
		p.Secrets = withSecret(p.Secrets, manifest.ReadAccessKey, keys.Read)
		if inst, err = m.Install(ctx, p); err != nil {
			t.Fatalf("customdatatest: install plugin %q: %v", p.Name, err)
		}
	} else {
		if inst, err = m.Install(ctx, p); err != nil {
			t.Fatalf("customdatatest: install plugin %q: %v", p.Name, err)
		}
		keys = inst.Keys
		if keys == nil {
			t.Fatalf("customdatatest: install plugin %q: namespace %q already existed in a fresh database", p.Name, ns)
		}
	}
	key := keys.ReadWrite
	if p.CustomData.Access == manifest.Read {
		key = keys.Read
	}
	h, err := m.Open(ctx, ns, key)
	if err != nil {
		t.Fatalf("customdatatest: open namespace %q: %v", ns, err)
	}
	rw, err := m.Open(ctx, ns, keys.ReadWrite)
	if err != nil {
		t.Fatalf("customdatatest: open namespace %q: %v", ns, err)
	}
	t.Cleanup(func() { _ = h.Close(); _ = rw.Close() })
	return &Installed{Database: d, Manager: m, Installation: inst, Keys: keys, Handle: h, ReadWrite: rw}
}

// InstallManifest loads a plugin's CANVAS_MANIFEST.json (a file, or the
// plugin's directory) and installs the plugin with its models, as Install
// does. The manifest must be valid and declare custom_data.
func InstallManifest(t testing.TB, path string, models ...any) *Installed {
	t.Helper()
	m, err := manifest.Load(path)
	if err != nil {
		t.Fatalf("customdatatest: %v", err)
	}
	p, err := namespace.PluginFromManifest(m, nil, models...)
	if err != nil {
		t.Fatalf("customdatatest: %v", err)
	}
	return Install(t, p)
}

func withSecret(secrets map[string]string, name, value string) map[string]string {
	out := make(map[string]string, len(secrets)+1)
	for k, v := range secrets {
		out[k] = v
	}
	out[name] = value
	return out
}
