package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// largeDescriptor returns a valid descriptor with n UI modules spread over
// web items, repo pages and web panels.
func largeDescriptor(n int) []byte {
	modules := map[string][]map[string]any{}
	kinds := []struct{ kind, location string }{
		{"webItems", "org.bitbucket.repository.navigation"},
		{"repoPages", "org.bitbucket.repository.navigation"},
		{"webPanels", "org.bitbucket.repository.overview.informationPanel"},
	}
	for i := 0; i < n; i++ {
		k := kinds[i%len(kinds)]
		modules[k.kind] = append(modules[k.kind], map[string]any{
			"key":      fmt.Sprintf("module-%d", i),
			"name":     map[string]string{"value": fmt.Sprintf("Module %d", i)},
			"url":      fmt.Sprintf("/module/%d?repoPath={repository.full_name}", i),
			"location": k.location,
		})
	}
	d := map[string]any{
		"key":            "bench-app",
		"name":           "Bench App",
		"description":    "A descriptor for benchmarks",
		"vendor":         map[string]string{"name": "Example", "url": "https://example.com"},
		"baseUrl":        "https://bench.example.com",
		"authentication": map[string]string{"type": "jwt"},
		"lifecycle":      map[string]string{"installed": "/installed", "uninstalled": "/uninstalled"},
		"modules":        modules,
		"scopes":         []string{"account", "repository"},
		"contexts":       []string{"account"},
	}
	b, _ := json.MarshalIndent(d, "", "  ")
	return b
}

// benchValidate times `connectgen validate` on descriptors of 100, 1,000
// and 10,000 modules, with peak memory, against ajv-cli checking the same
// files against the schema connectgen embeds.
func benchValidate(e *env) error {
	dir := filepath.Join(e.work, "validate")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	schema := filepath.Join(dir, "schema.json")
	out, err := command(dir, e.bin, "validate", "--print-schema").Output()
	if err != nil {
		return fmt.Errorf("validate --print-schema: %v", err)
	}
	if err := os.WriteFile(schema, out, 0o644); err != nil {
		return err
	}
	ajvDir := filepath.Join(e.work, "ajv")
	logf("installing ajv-cli with npm")
	if _, _, err := timed(command(e.work, "npm", "install", "--prefix", ajvDir, "--no-audit", "--no-fund", "--loglevel=error", "ajv-cli@5", "ajv-formats@3")); err != nil {
		return err
	}
	ajv := filepath.Join(ajvDir, "node_modules", ".bin", "ajv")

	sizes := []int{100, 1000, 10000}
	var rows [][]string
	medians := map[int]time.Duration{}
	fasterEverywhere := true
	for _, n := range sizes {
		file := filepath.Join(dir, fmt.Sprintf("descriptor-%d.json", n))
		if err := os.WriteFile(file, largeDescriptor(n), 0o644); err != nil {
			return err
		}
		var peak, ajvPeak int64
		s, err := e.measure(
			contender{fmt.Sprintf("validate %d", n), func(int) (time.Duration, error) {
				d, rss, err := timed(command(dir, e.bin, "validate", file))
				peak = max(peak, rss)
				return d, err
			}},
			contender{fmt.Sprintf("ajv %d", n), func(int) (time.Duration, error) {
				d, rss, err := timed(command(dir, ajv, "validate", "--spec=draft2020", "--strict=false", "-c", "ajv-formats", "-s", schema, "-d", file))
				ajvPeak = max(ajvPeak, rss)
				return d, err
			}},
		)
		if err != nil {
			return err
		}
		ours, peer := s[0], s[1]
		medians[n] = ours.median()
		fasterEverywhere = fasterEverywhere && ours.median() < peer.median()
		info, _ := os.Stat(file)
		rows = append(rows, []string{
			fmt.Sprintf("%d modules (%d KiB)", n, info.Size()/1024),
			round(ours.median()), ours.spread(), fmt.Sprintf("%d MiB", peak/1024),
			round(peer.median()), fmt.Sprintf("%d MiB", ajvPeak/1024),
			fmt.Sprintf("%.2f", ratio(peer.median(), ours.median())),
		})
	}
	growth := ratio(medians[10000], medians[1000])
	// Whole-process times include a fixed start-up, so linear work grows
	// by at most 10× here; more than that is worse than linear.
	e.report.add("## validate\n\n" + table([]string{"descriptor", "connectgen validate", "spread", "peak memory", "ajv-cli (schema only)", "ajv peak memory", "ajv / connectgen"}, rows) +
		fmt.Sprintf("\nTimes are whole processes, start-up included. 10,000 modules: **%s** (target under 200 ms, %s). Faster than ajv-cli at every size: %s. Growth from 1,000 to 10,000 modules: **%.1f×** for 10× the input (target: linear, at most 10×, %s). ajv-cli checks only the schema; connectgen also runs its Go rules.\n",
			round(medians[10000]), verdict(medians[10000] < 200*time.Millisecond), verdict(fasterEverywhere), growth, verdict(growth <= 10)))
	return nil
}
