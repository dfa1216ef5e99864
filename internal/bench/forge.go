package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/forge"
	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// forgeEvent is the event the figure sends: the starter's webhook trigger
// listens for it.
const forgeEvent = "avi:bitbucket:push:repository"

// benchForgeEvent times `connectgen forge simulate event` on the starter
// Forge app of the template's descriptor, from the command to the
// handler's return (and the process's end): bundling with esbuild,
// starting Node 22 with the app's real @forge packages, one event. The
// floor is Node's own start-up.
func benchForgeEvent(e *env) error {
	node, err := node22()
	if err != nil {
		return err
	}
	dir := filepath.Join(e.work, "forge-app")
	if err := writeStarter(dir); err != nil {
		return err
	}
	// The starter's package.json also names its UI packages (not bundled
	// for functions, and @forge/react 12 does not resolve on every
	// registry): the backend packages go into a folder of their own.
	mods := filepath.Join(e.work, "forge-modules")
	if err := os.MkdirAll(mods, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(mods, "package.json"), []byte(`{"private": true}`), 0o644); err != nil {
		return err
	}
	logf("npm install of the starter's backend packages in %s", mods)
	install := command(mods, "npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", "@forge/api@8.3.0", "@forge/kvs@1.6.5", "@forge/resolver@2.0.1")
	install.Env = append(os.Environ(), "PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := install.CombinedOutput(); err != nil {
		return fmt.Errorf("npm install: %v\n%s", err, tail(string(out), 20))
	}
	if err := os.Symlink(filepath.Join(mods, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		return err
	}
	s, err := e.measure(
		contender{"forge simulate event", func(int) (time.Duration, error) {
			d, _, err := timed(command(dir, e.bin, "forge", "simulate", "event", forgeEvent, "--node", node))
			return d, err
		}},
		contender{"node -e ''", func(int) (time.Duration, error) {
			d, _, err := timed(command(dir, node, "-e", ""))
			return d, err
		}},
	)
	if err != nil {
		return err
	}
	ours, floor := s[0], s[1]
	e.report.add("## forge simulate event\n\n" + table([]string{"what", "median", "spread"}, [][]string{
		{"`connectgen forge simulate event " + forgeEvent + "` on the template's starter Forge app (bundle, Node 22, one handler)", round(ours.median()), ours.spread()},
		{"`node -e ''` (Node 22's start-up, floor)", round(floor.median()), floor.spread()},
	}) + fmt.Sprintf("\nFrom the command to the handler's return and the process's end: **%s** (target under 1 s, %s), %.1f× Node's bare start-up.\n",
		round(ours.median()), verdict(ours.median() < time.Second), ratio(ours.median(), floor.median())))
	return nil
}

func node22() (string, error) {
	nodes, err := testenv.PinnedNodes()
	if err != nil {
		return "", err
	}
	for _, n := range nodes {
		if strings.HasPrefix(n.Version, "22.") {
			return n.Node()
		}
	}
	return "", fmt.Errorf("no Node 22 among the pinned versions")
}

// writeStarter writes the starter Forge app of the bitbucket template's
// descriptor into dir.
func writeStarter(dir string) error {
	files, err := renderBuiltin(string(descriptor.Bitbucket), scaffold.Data{
		Name: "bench-app", Key: "bench-app", AppName: "Bench App", Description: "A Bitbucket Cloud Connect app",
		VendorName: "Example Vendor", VendorURL: "https://example.com", Template: string(descriptor.Bitbucket), Version: "bench",
	})
	if err != nil {
		return err
	}
	var desc []byte
	for _, f := range files {
		if f.Path == descriptor.FileName {
			desc = f.Content
		}
	}
	p, err := forge.NewPlan(descriptor.Validate(descriptor.FileName, desc, descriptor.Options{}))
	if err != nil {
		return err
	}
	starter, err := forge.Generate(p, forge.GenerateOptions{Version: "bench"})
	if err != nil {
		return err
	}
	for _, f := range starter {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.Content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// renderBuiltin renders the built-in template name with data, as
// connectgen new does (without the editor files).
func renderBuiltin(name string, data scaffold.Data) ([]scaffold.File, error) {
	t, version, err := scaffold.Builtin(templates.FS, name)
	if err != nil {
		return nil, err
	}
	rec := scaffold.Record{Template: name, Version: data.Version, TemplateVersion: version, Values: data}
	return t.Render(data, nil, rec)
}
