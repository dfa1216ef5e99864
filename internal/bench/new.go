package main

import (
	"archive/zip"
	"fmt"
	"github.com/connectgen/connectgen/internal/descriptor"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
	if _, _, err := timed(command(ref, e.bin, "new", "a-quick-addon", "-t", string(descriptor.Bitbucket), "--yes")); err != nil {
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

	places := []struct{ label, dir string }{{"disk (" + e.work + ")", e.work}}
	if shm := memoryDir(); shm != "" {
		defer os.RemoveAll(shm)
		places = append(places, struct{ label, dir string }{"memory (tmpfs, " + shm + ")", shm})
	}
	var text strings.Builder
	text.WriteString("## new\n\n")
	text.WriteString("Whole processes, start-up included, each writing a new project into an empty directory. " +
		"Measured twice: on the disk the temporary directory is on, and on a memory file system, where the cost of the disk " +
		"(large and erratic on some machines) is out of the picture and what remains is each tool's own work.\n\n")
	for _, pl := range places {
		ours, peer, floor, err := benchNewIn(e, pl.dir, tree, acBin, zipURL)
		if err != nil {
			return fmt.Errorf("%s: %w", pl.label, err)
		}
		rows := [][]string{
			{"`connectgen new app -t bitbucket --yes`", round(ours.median()), ours.spread(), "1.00"},
			{"`atlas-connect new app -t <loopback zip>` (" + atlasConnect + ")", round(peer.median()), peer.spread(), fmt.Sprintf("%.2f", ratio(peer.median(), ours.median()))},
			{"`cp -r` of the rendered tree (floor)", round(floor.median()), floor.spread(), fmt.Sprintf("%.2f", ratio(floor.median(), ours.median()))},
		}
		speedup, overFloor := ratio(peer.median(), ours.median()), ratio(ours.median(), floor.median())
		fmt.Fprintf(&text, "### On %s\n\n%s\nconnectgen is **%.1f× faster** than atlas-connect (target: at least 50×, %s) and takes **%.2f×** the time of the floor (target: within 3×, %s).",
			pl.label, table([]string{"command", "median", "spread", "time / connectgen"}, rows),
			speedup, verdict(speedup >= 50), overFloor, verdict(overFloor <= 3))
		// The floor bounds the speed-up: no tool that writes these files
		// can beat atlas-connect by more than the floor does.
		fmt.Fprintf(&text, " Even the floor is only %.1f× faster than atlas-connect here.\n\n", ratio(peer.median(), floor.median()))
	}
	e.report.add(text.String())
	return nil
}

// benchNewIn measures the three ways to a new project, interleaved, in
// fresh directories below dir.
func benchNewIn(e *env, dir, tree, acBin, zipURL string) (ours, peer, floor sample, err error) {
	var n int
	fresh := func(kind string) string {
		n++
		d := filepath.Join(dir, fmt.Sprintf("new-%s-%d", kind, n))
		os.MkdirAll(d, 0o755)
		return d
	}
	check := func(dir string) error {
		if _, err := os.Stat(filepath.Join(dir, "app", "atlassian-connect.json")); err != nil {
			return fmt.Errorf("no project was created in %s: %w", dir, err)
		}
		return nil
	}
	run := func(kind string, c func(d string) *exec.Cmd) func(int) (time.Duration, error) {
		return func(int) (time.Duration, error) {
			d := fresh(kind)
			t, _, err := timed(c(d))
			if err == nil {
				err = check(d)
			}
			return t, err
		}
	}
	s, err := e.measure(
		contender{"connectgen new", run("ours", func(d string) *exec.Cmd {
			return command(d, e.bin, "new", "app", "-t", string(descriptor.Bitbucket), "--yes")
		})},
		contender{"atlas-connect new", run("atlas", func(d string) *exec.Cmd {
			c := command(d, acBin, "new", "app", "-t", zipURL)
			c.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1")
			return c
		})},
		contender{"cp -r", run("cp", func(d string) *exec.Cmd {
			return command(d, "cp", "-r", tree, filepath.Join(d, "app"))
		})},
	)
	if err != nil {
		return nil, nil, nil, err
	}
	return s[0], s[1], s[2], nil
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**missed**"
}

// memoryDir makes a directory on a memory file system (Linux's /dev/shm),
// or returns "" when there is none.
func memoryDir() string {
	var st syscall.Statfs_t
	const tmpfsMagic = 0x01021994
	if err := syscall.Statfs("/dev/shm", &st); err != nil || st.Type != tmpfsMagic {
		return ""
	}
	d, err := os.MkdirTemp("/dev/shm", "connectgen-bench-")
	if err != nil {
		return ""
	}
	return d
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
