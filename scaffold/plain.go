package scaffold

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

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
// object of the JSON (or JSON with comments) text src, leaving every other
// byte as it is. found is false when the object has no such key.
func SetTopLevelString(src []byte, key, value string) (out []byte, found bool, err error) {
	enc, err := json.Marshal(value)
	if err != nil {
		return nil, false, err
	}
	s := &scanner{src: src}
	s.space()
	if s.i >= len(src) || src[s.i] != '{' {
		return nil, false, errors.New("not a JSON object")
	}
	s.i++
	for {
		s.space()
		if s.i >= len(src) {
			return nil, false, errors.New("unexpected end of the object")
		}
		if src[s.i] == '}' {
			return src, false, nil
		}
		if src[s.i] == ',' {
			s.i++
			continue
		}
		kStart := s.i
		if err := s.str(); err != nil {
			return nil, false, err
		}
		var k string
		if err := json.Unmarshal(src[kStart:s.i], &k); err != nil {
			return nil, false, err
		}
		s.space()
		if s.i >= len(src) || src[s.i] != ':' {
			return nil, false, fmt.Errorf("expected ':' after %q", k)
		}
		s.i++
		s.space()
		vStart := s.i
		if err := s.value(); err != nil {
			return nil, false, err
		}
		if k == key {
			if src[vStart] != '"' {
				return nil, false, fmt.Errorf("%q is not a string", key)
			}
			out = append(append(append([]byte{}, src[:vStart]...), enc...), src[s.i:]...)
			return out, true, nil
		}
	}
}

type scanner struct {
	src []byte
	i   int
}

// space skips white space and comments.
func (s *scanner) space() {
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.i++
		case c == '/' && s.i+1 < len(s.src) && s.src[s.i+1] == '/':
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		case c == '/' && s.i+1 < len(s.src) && s.src[s.i+1] == '*':
			s.i += 2
			for s.i+1 < len(s.src) && !(s.src[s.i] == '*' && s.src[s.i+1] == '/') {
				s.i++
			}
			s.i += 2
		default:
			return
		}
	}
}

func (s *scanner) str() error {
	if s.i >= len(s.src) || s.src[s.i] != '"' {
		return fmt.Errorf("expected a string at byte %d", s.i)
	}
	for s.i++; s.i < len(s.src); s.i++ {
		switch s.src[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return nil
		}
	}
	return errors.New("unterminated string")
}

// value skips one value of any kind.
func (s *scanner) value() error {
	if s.i >= len(s.src) {
		return errors.New("missing value")
	}
	switch s.src[s.i] {
	case '"':
		return s.str()
	case '{', '[':
		depth := 0
		for s.i < len(s.src) {
			s.space()
			if s.i >= len(s.src) {
				break
			}
			switch s.src[s.i] {
			case '"':
				if err := s.str(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errors.New("unterminated object or array")
	}
	for s.i < len(s.src) && s.src[s.i] != ',' && s.src[s.i] != '}' && s.src[s.i] != ' ' && s.src[s.i] != '\n' && s.src[s.i] != '\r' && s.src[s.i] != '\t' && s.src[s.i] != '/' {
		s.i++
	}
	return nil
}
