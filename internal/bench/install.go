package main

import (
	"fmt"
	"github.com/connectgen/connectgen/internal/descriptor"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/testenv"
)

// installRuns bounds the runs of the install figure: each is tens of
// seconds.
const installRuns = 3

// expressFloor is the package.json of the floor: an Express app with
// nothing else.
const expressFloor = `{"name": "express-floor", "version": "1.0.0", "private": true, "dependencies": {"express": "^4.22.1"}}`

// benchInstall times `npm install` of a generated app (fresh from
// `connectgen new`: no node_modules, npm's cache warm from the warm-up)
// against the same for a bare Express app, on every Node version the
// tests use (the machine's, and the pinned ones found in the test cache).
func benchInstall(e *env) error {
	nodes := []testenv.Node{{}}
	pinned, perr := testenv.PinnedNodes()
	sub := *e
	sub.o.runs = min(e.o.runs, installRuns)
	smoke := e.o.runs == 1 && e.o.warmup == 0
	if smoke {
		// One install on the machine's node keeps the harness from rotting.
		perr = fmt.Errorf("a smoke run (make bench-smoke, go test) measures the machine's node only")
	} else if perr == nil {
		nodes = append(nodes, pinned...)
		sub.o.warmup = max(e.o.warmup, 1) // the cache must be warm
	}
	var rows [][]string
	var text strings.Builder
	n := 0
	fresh := func() (string, error) {
		n++
		d := filepath.Join(e.work, fmt.Sprintf("install-%d", n))
		return d, os.MkdirAll(d, 0o755)
	}
	for _, node := range nodes {
		version := node.Version
		if version == "" {
			m, err := testenv.MachineNode()
			if err != nil {
				return err
			}
			version = m.Version
		}
		npmInstall := func(dir string) (time.Duration, error) {
			c := command(dir, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
			c.Env = node.Env(nil)
			d, _, err := timed(c)
			if err == nil {
				_, err = os.Stat(filepath.Join(dir, "node_modules", "express", "package.json"))
			}
			return d, err
		}
		var floorLock []byte
		s, err := sub.measure(
			contender{"generated app", func(int) (time.Duration, error) {
				d, err := fresh()
				if err != nil {
					return 0, err
				}
				if _, _, err := timed(command(d, e.bin, "new", "app", "-t", string(descriptor.Bitbucket), "--yes")); err != nil {
					return 0, err
				}
				return npmInstall(filepath.Join(d, "app"))
			}},
			contender{"express", func(int) (time.Duration, error) {
				d, err := fresh()
				if err != nil {
					return 0, err
				}
				if err := os.WriteFile(filepath.Join(d, "package.json"), []byte(expressFloor), 0o644); err != nil {
					return 0, err
				}
				// Both sides install from a lockfile, as the generated app
				// does: the first run writes the floor's.
				if floorLock != nil {
					if err := os.WriteFile(filepath.Join(d, "package-lock.json"), floorLock, 0o644); err != nil {
						return 0, err
					}
				}
				t, err := npmInstall(d)
				if err == nil && floorLock == nil {
					floorLock, err = os.ReadFile(filepath.Join(d, "package-lock.json"))
				}
				return t, err
			}},
		)
		if err != nil {
			return fmt.Errorf("node %s: %w", version, err)
		}
		ours, floor := s[0], s[1]
		rows = append(rows, []string{version, round(ours.median()), ours.spread(), round(floor.median()), floor.spread(),
			fmt.Sprintf("%.1f", ratio(ours.median(), floor.median())), verdict(ours.median() < 30*time.Second)})
	}
	text.WriteString("## install\n\n")
	fmt.Fprintf(&text, "`npm install` in a project fresh from `connectgen new app -t bitbucket` (no node_modules, npm's cache warm from the warm-up run, the template's lockfile), against the same for a bare Express app (package.json with express alone, installed from its lockfile): the floor of any Express app. %d runs each, per Node version; npm %s runs on that version.\n\n", sub.o.runs, versionOf("npm", "--version"))
	text.WriteString(table([]string{"node", "generated app", "spread", "express alone", "spread", "app / express", "under 30 s"}, rows))
	if perr != nil {
		fmt.Fprintf(&text, "\nOnly the machine's node was measured: %v\n", perr)
	}
	e.report.add(text.String())
	return nil
}
