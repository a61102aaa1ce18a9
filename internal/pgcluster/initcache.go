package pgcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The output of initdb is the same for the same binaries and arguments, so
// the first cluster keeps a copy (under os.TempDir(), one per binaries and
// OS user) and later clusters copy it instead of running initdb again: a
// copy of the ~40 MB directory takes a fraction of initdb's time. The copy is
// published by an atomic rename, so concurrent test processes never see half
// of it, and it is used only if it belongs to the OS user that runs the
// server and nobody else can write it.

// initCachePrefix names the cached initdb directories. It does not start
// with dirPrefix, so CleanStale leaves the cache alone.
const initCachePrefix = "customdata-pginit-"

// initdbArgs are initdb's arguments after -D <dir>; part of the cache key.
// They work with initdb 13, the oldest version the tests support
// (--no-instructions would need 14; initdb's output is shown only on failure).
var initdbArgs = []string{"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"}

// prepareData fills c.dataDir: from the cache when there is a usable one
// (and useCache), else by running initdb (and then offering the result to
// the cache). It returns the cache directory it copied from, if any.
func (c *Cluster) prepareData(ctx context.Context, base string, cred *osUser, useCache bool) (string, error) {
	key, ok := initCacheKey(c.binDir, cred)
	if !ok {
		return "", c.initdb(ctx, cred)
	}
	cache := filepath.Join(base, initCachePrefix+key)
	if useCache && usableCache(cache, cred) {
		if err := copyTree(cache, c.dataDir, cred); err == nil {
			return cache, nil
		}
		_ = os.RemoveAll(c.dataDir) // fall back to initdb
	}
	if err := c.initdb(ctx, cred); err != nil {
		return "", err
	}
	publishCache(base, c.dataDir, cache, cred)
	return "", nil
}

// initCacheKey identifies the initdb output of these binaries, run as this
// user with initdbArgs.
func initCacheKey(binDir string, cred *osUser) (string, bool) {
	h := sha256.New()
	fmt.Fprintln(h, "customdata-initdb-v1", binDir, initdbArgs, runnerUID(cred))
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(binDir, name))
		if err != nil {
			return "", false
		}
		fmt.Fprintln(h, name, fi.Size(), fi.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:16], true
}

// runnerUID is the uid that runs the server.
func runnerUID(cred *osUser) int {
	if cred != nil {
		return cred.uid
	}
	return os.Geteuid()
}

// usableCache reports whether cache is a complete initdb output owned by the
// server's user and closed to everyone else (anything else could have been
// planted by another user of the machine).
func usableCache(cache string, cred *osUser) bool {
	fi, err := os.Lstat(cache)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || !ownedBy(fi, runnerUID(cred)) {
		return false
	}
	_, err = os.Stat(filepath.Join(cache, "PG_VERSION"))
	return err == nil
}

// publishCache copies a fresh data directory into the cache, best effort.
func publishCache(base, dataDir, cache string, cred *osUser) {
	tmp, err := os.MkdirTemp(base, initCachePrefix+"tmp-")
	if err != nil {
		return
	}
	defer os.RemoveAll(tmp) // gone after a successful rename
	dst := filepath.Join(tmp, "data")
	if err := copyTree(dataDir, dst, cred); err != nil {
		return
	}
	_ = os.Rename(dst, cache) // fails harmlessly if another process won the race
}

// copyTree copies the directory src to dst (which must not exist), keeping
// modes, and gives everything to cred's user when set.
func copyTree(src, dst string, cred *osUser) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, info.Mode().Perm()); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			if err := copyFile(path, target, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("pgcluster: unexpected file %s in a data directory", path)
		}
		if cred != nil {
			return os.Lchown(target, cred.uid, cred.gid)
		}
		return nil
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
