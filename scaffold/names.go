package scaffold

import (
	"fmt"
	"strings"
	"unicode"
)

// maxNameLength is npm's limit for a package name.
const maxNameLength = 214

// ValidProjectName checks that name can be both a directory name and an
// npm package name, and says which rule it breaks.
func ValidProjectName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the project name is empty")
	case len(name) > maxNameLength:
		return fmt.Errorf("project name %q is %d characters long; npm allows at most %d", short(name), len(name), maxNameLength)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("project name %q contains a path separator; give a plain name and use --dir for the parent directory", name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("project name %q contains \"..\"", name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("project name %q starts with a dot; npm names and visible directories cannot", name)
	case strings.HasPrefix(name, "_"):
		return fmt.Errorf("project name %q starts with an underscore; npm names cannot", name)
	case strings.ContainsFunc(name, unicode.IsSpace):
		return fmt.Errorf("project name %q contains white space; use - instead, for example %q", name, strings.Join(strings.Fields(name), "-"))
	case strings.ToLower(name) != name:
		return fmt.Errorf("project name %q contains upper case letters; npm names are lower case, for example %q", name, strings.ToLower(name))
	case strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_')
	}):
		// npm allows a few more URL-safe characters, but these are the ones
		// that are also safe in a directory name and an app key everywhere.
		return fmt.Errorf("project name %q contains characters other than lower case letters, digits, -, . and _", name)
	case name == "node_modules" || name == "favicon.ico":
		return fmt.Errorf("project name %q is reserved by npm", name)
	}
	return nil
}

// DeriveKey turns a project name into an app key: every character outside
// letters, digits, '-', '.' and '_' becomes '-'.
func DeriveKey(name string) string {
	return strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.' || r == '_') {
			return r
		}
		return '-'
	}, name)
}

// DeriveAppName turns a project name into a display name:
// "a-quick-addon" becomes "A Quick Addon".
func DeriveAppName(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	if len(words) == 0 {
		return name
	}
	return strings.Join(words, " ")
}

func short(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
