package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/json5"
)

// DescriptorFile is the descriptor's name in an app's folder, where
// atlassian-connect-express reads it.
const DescriptorFile = "atlassian-connect.json"

// DefaultPort is the port atlassian-connect-express listens on when neither
// PORT nor config.json name one.
const DefaultPort = 3000

// Project is an app folder that run can start.
type Project struct {
	// Dir is the app's folder, absolute.
	Dir string
	// Descriptor is the path of atlassian-connect.json.
	Descriptor string
	// Start is the shell command npm would run for `npm start`.
	Start string
	// Product is the product config.json names ("" when it names none, or
	// config.json is missing or broken; validation then detects it).
	Product descriptor.Product
}

// MissingError says which files a folder lacks to be an app folder.
type MissingError struct {
	Dir     string
	Missing []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s is not an app folder: no %s; run connectgen run in the folder connectgen new created, or pass --dir",
		e.Dir, strings.Join(e.Missing, " and no "))
}

// Detect checks that dir holds an app: package.json with a way to start it
// and atlassian-connect.json. The error is a *MissingError when files are
// missing.
func Detect(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("folder %s does not exist", abs)
		}
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", abs)
	}
	var missing []string
	pkg, err := os.ReadFile(filepath.Join(abs, "package.json"))
	if errors.Is(err, os.ErrNotExist) {
		missing = append(missing, "package.json")
	} else if err != nil {
		return nil, err
	}
	desc := filepath.Join(abs, DescriptorFile)
	if _, err := os.Stat(desc); errors.Is(err, os.ErrNotExist) {
		missing = append(missing, DescriptorFile)
	} else if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, &MissingError{Dir: abs, Missing: missing}
	}
	start, err := startScript(abs, pkg)
	if err != nil {
		return nil, err
	}
	return &Project{Dir: abs, Descriptor: desc, Start: start, Product: configProduct(abs)}, nil
}

// configProduct reads config.json's product, as ACE does; a broken
// config.json is reported by the app itself when it starts.
func configProduct(dir string) descriptor.Product {
	src, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return ""
	}
	p, _ := descriptor.ProductFromConfig(src)
	return p
}

// startScript is what `npm start` runs: scripts.start, or `node server.js`
// when there is none and server.js exists (npm's default). run starts it
// with sh itself rather than through npm, which would add npm's own
// start-up (a few hundred milliseconds) to every start and restart.
func startScript(dir string, pkg []byte) (string, error) {
	var p struct {
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(pkg, &p); err != nil {
		return "", fmt.Errorf("%s: %v", filepath.Join(dir, "package.json"), err)
	}
	if s := strings.TrimSpace(p.Scripts["start"]); s != "" {
		return s, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "server.js")); err == nil {
		return "node server.js", nil
	}
	return "", &MissingError{Dir: dir, Missing: []string{`"start" script in package.json`}}
}

// ConfigPort returns the development port in the app's config.json, which
// atlassian-connect-express reads as JSON5. ok is false when there is none
// (or it is not a plain number, such as "$PORT").
func ConfigPort(dir string) (port int, ok bool) {
	src, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return 0, false
	}
	doc, err := json5.Parse(src)
	if err != nil {
		return 0, false
	}
	n := doc.Root.Get("development").Get("port")
	if n == nil || n.Kind != json5.Number {
		return 0, false
	}
	v := n.Float
	if v != float64(int(v)) || v < 1 || v > 65535 {
		return 0, false
	}
	return int(v), true
}
