package scaffold

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/json5"
)

// Products are the values of config.json's product that
// atlassian-connect-express knows.
var Products = descriptor.ConfigProducts()

// applyPlainRules does to a plain ACE app what atlas-connect does to the
// template it downloads: package.json's name becomes the project's name
// (only that field is edited; the rest of the file stays byte for byte),
// and config.json's product, when there is one, follows -t's product
// rules: jira-service-desk apps run as product jira, and a product ACE
// does not know is refused.
func applyPlainRules(files []File, name string) ([]File, error) {
	for i := range files {
		switch files[i].Path {
		case "package.json":
			out, found, err := SetTopLevelString(files[i].Content, "name", name)
			if err != nil {
				return nil, fmt.Errorf("template package.json: %v", err)
			}
			if !found {
				return nil, errors.New("template package.json has no top-level \"name\" to set; it is not an npm package")
			}
			files[i].Content = out
		case "config.json":
			var cfg struct {
				Product *string `json:"product"`
			}
			if err := json5.Unmarshal(files[i].Content, &cfg); err != nil {
				return nil, fmt.Errorf("template config.json: %v", err)
			}
			if cfg.Product == nil {
				continue
			}
			p := *cfg.Product
			if canon, ok := descriptor.AliasOf(p); ok {
				out, _, err := SetTopLevelString(files[i].Content, "product", string(canon))
				if err != nil {
					return nil, fmt.Errorf("template config.json: %v", err)
				}
				files[i].Content = out
				continue
			}
			if !contains(Products, p) {
				return nil, fmt.Errorf("template config.json: product %q is not one atlassian-connect-express knows (%v)", p, Products)
			}
		}
	}
	return files, nil
}

// PlainProduct returns the product a plain app's config.json names, or "".
func PlainProduct(files []File) string {
	for _, f := range files {
		if f.Path == "config.json" {
			return configProduct(f.Content)
		}
	}
	return ""
}

// Product is the product the config.json of a plain template names, as
// the project will have it (jira-service-desk runs as jira), or "" for
// other templates and a config.json without one.
func (t *Template) Product() string {
	if t.Kind != KindPlain {
		return ""
	}
	b, err := fs.ReadFile(t.FS, "config.json")
	if err != nil {
		return ""
	}
	p := configProduct(b)
	if canon, ok := descriptor.AliasOf(p); ok {
		return string(canon)
	}
	return p
}

func configProduct(src []byte) string {
	var cfg struct {
		Product string `json:"product"`
	}
	if json5.Unmarshal(src, &cfg) != nil {
		return ""
	}
	return cfg.Product
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SetTopLevelString replaces the string value of key in the top-level
// object of the JSON (or JSON5, with comments) text src, leaving every
// other byte as it is: the value's place comes from internal/json5's
// parse, as forge link edits a descriptor. found is false when the object
// has no such key; with a key given twice, the last one (the one
// JSON.parse keeps) is replaced.
func SetTopLevelString(src []byte, key, value string) (out []byte, found bool, err error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return nil, false, err
	}
	doc, err := json5.Parse(src)
	if err != nil {
		return nil, false, err
	}
	if doc.Root.Kind != json5.Object {
		return nil, false, fmt.Errorf("not a JSON object but %s", doc.Root.Kind)
	}
	m := doc.Root.Member(key)
	if m == nil {
		return src, false, nil
	}
	if m.Value.Kind != json5.String {
		return nil, false, fmt.Errorf("%q is not a string", key)
	}
	enc2 := strings.TrimSuffix(b.String(), "\n")
	out = make([]byte, 0, len(src)+len(enc2))
	out = append(out, src[:m.Value.Pos.Offset]...)
	out = append(out, enc2...)
	out = append(out, src[m.Value.End:]...)
	return out, true, nil
}
