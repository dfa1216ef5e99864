package main

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// atlasConnect is the peer: Atlassian's npm CLI at the version the spec
// describes.
const atlasConnect = "atlas-connect@0.8.1"

// benchNew times `connectgen new` against `atlas-connect new` fed the same
// tree as a zip from a loopback server (it can only read templates from a
// URL), and against cp -r of the rendered tree, the floor.
func benchNew(e *env) error {
	ref := filepath.Join(e.work, "new-ref")
	if err := os.MkdirAll(ref, 0o755); err != nil {
		return err
	}
	if _, _, err := timed(command(ref, e.bin, "new", "a-quick-addon", "-t", "bitbucket", "--yes")); err != nil {
		return err
	}
	tree := filepath.Join(ref, "a-quick-addon")
	zipPath := filepath.Join(e.work, "template.zip")
	if err := zipTree(tree, "atlassian-connect-express-template-0123abcd", zipPath); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, zipPath)
	})}
	go srv.Serve(l)
	defer srv.Close()
	zipURL := fmt.Sprintf("http://%s/template.zip", l.Addr())

	acDir := filepath.Join(e.work, "atlas-connect")
	logf("installing %s with npm", atlasConnect)
	if _, _, err := timed(command(e.work, "npm", "install", "--prefix", acDir, "--no-audit", "--no-fund", "--loglevel=error", atlasConnect)); err != nil {
		return err
	}
	acBin := filepath.Join(acDir, "node_modules", ".bin", "atlas-connect")

	var n int
	fresh := func(kind string) string {
		n++
		d := filepath.Join(e.work, fmt.Sprintf("new-%s-%d", kind, n))
		os.MkdirAll(d, 0o755)
		return d
	}
	check := func(dir string) error {
		if _, err := os.Stat(filepath.Join(dir, "app", "atlassian-connect.json")); err != nil {
			return fmt.Errorf("no project was created in %s: %w", dir, err)
		}
		return nil
	}
	ours, err := e.measure("connectgen new", func(int) (time.Duration, error) {
		d := fresh("ours")
		t, _, err := timed(command(d, e.bin, "new", "app", "-t", "bitbucket", "--yes"))
		if err == nil {
			err = check(d)
		}
		return t, err
	})
	if err != nil {
		return err
	}
	peer, err := e.measure("atlas-connect new", func(int) (time.Duration, error) {
		d := fresh("atlas")
		c := command(d, acBin, "new", "app", "-t", zipURL)
		c.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1")
		t, _, err := timed(c)
		if err == nil {
			err = check(d)
		}
		return t, err
	})
	if err != nil {
		return err
	}
	floor, err := e.measure("cp -r", func(int) (time.Duration, error) {
		d := fresh("cp")
		t, _, err := timed(command(d, "cp", "-r", tree, filepath.Join(d, "app")))
		if err == nil {
			err = check(d)
		}
		return t, err
	})
	if err != nil {
		return err
	}
	rows := [][]string{
		{"`connectgen new app -t bitbucket --yes`", round(ours.median()), ours.spread(), "1.00"},
		{"`atlas-connect new app -t <loopback zip>` (" + atlasConnect + ")", round(peer.median()), peer.spread(), fmt.Sprintf("%.2f", ratio(peer.median(), ours.median()))},
		{"`cp -r` of the rendered tree (floor)", round(floor.median()), floor.spread(), fmt.Sprintf("%.2f", ratio(floor.median(), ours.median()))},
	}
	e.report.add("## new\n\n" + table([]string{"command", "median", "spread", "time / connectgen"}, rows) +
		fmt.Sprintf("\nconnectgen is **%.1f× faster** than atlas-connect (target: at least 50×) and takes **%.2f×** the floor (target: within 3×).\n",
			ratio(peer.median(), ours.median()), ratio(ours.median(), floor.median())))
	return nil
}

// zipTree writes the files below dir into a zip under the folder top, the
// way bitbucket.org's archives name it.
func zipTree(dir, top, dst string) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	if _, err := zw.Create(top + "/"); err != nil {
		return err
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		name := top + "/" + filepath.ToSlash(rel)
		if d.IsDir() {
			_, err := zw.Create(name + "/")
			return err
		}
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(w, src)
		return err
	})
	if err != nil {
		return err
	}
	return zw.Close()
}
