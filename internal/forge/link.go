package forge

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

// LinkResult is what Link did to a descriptor.
type LinkResult struct {
	// Source is the new descriptor; Changed is false when both keys
	// already held the values.
	Source  []byte
	Changed bool
	// Validation is the new descriptor's validation, for the caller to
	// show what else is wrong with it.
	Validation *descriptor.Result
}

// Link sets forgeAppLink and forgeAppId in a descriptor, keeping its
// formatting and comments: the values are checked first, then text is
// replaced or inserted at the positions the JSON5 parser gives, never
// re-serialised. The result is validated again and refused if the
// two keys are not accepted.
func Link(file string, src []byte, appLink, appID string) (*LinkResult, error) {
	if problem, _ := descriptor.CheckForgeAppLink(appLink); problem != "" {
		return nil, fmt.Errorf("--app-link: %s; copy the link from the Forge developer console (Distribution, share for Bitbucket)", strings.Replace(problem, "forgeAppLink", "the link", 1))
	}
	if problem, _ := descriptor.CheckForgeAppID(appID); problem != "" {
		return nil, fmt.Errorf("--app-id: %s; copy app.id from the Forge app's manifest.yml after forge register", strings.Replace(problem, "forgeAppId", "the app id", 1))
	}
	_, linkID := descriptor.CheckForgeAppLink(appLink)
	_, arID := descriptor.CheckForgeAppID(appID)
	if linkID != arID {
		return nil, fmt.Errorf("--app-link installs the Forge app %s but --app-id is %s; both must be the same app", linkID, arID)
	}
	doc, err := json5.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read: %v; fix it first (connectgen validate %s)", file, err, file)
	}
	root := doc.Root
	if root.Kind != json5.Object {
		return nil, fmt.Errorf("%s is not a descriptor: it holds %s, not an object", file, root.Kind)
	}
	if p, why := descriptor.DetectProduct(root); !p.Info().ForgeMigration {
		return nil, &NotBitbucketError{Product: string(p), Why: why}
	}
	out := src
	changed := false
	// Replace existing values from the end of the file backwards, so that
	// earlier offsets stay valid; then insert the missing keys.
	type edit struct {
		from, to int
		text     string
	}
	var edits []edit
	var missing [][2]string
	for _, kv := range [][2]string{{"forgeAppLink", appLink}, {"forgeAppId", appID}} {
		m := root.Member(kv[0])
		if m == nil {
			missing = append(missing, kv)
			continue
		}
		if m.Value.Kind == json5.String && m.Value.Str == kv[1] {
			continue
		}
		edits = append(edits, edit{m.Value.Pos.Offset, m.Value.End, quote(kv[1])})
	}
	if len(missing) > 0 {
		at, text, err := insertion(src, root, missing)
		if err != nil {
			return nil, err
		}
		edits = append(edits, edit{at, at, text})
	}
	// Apply from the last offset to the first.
	for i := 0; i < len(edits); i++ {
		for j := i + 1; j < len(edits); j++ {
			if edits[j].from > edits[i].from {
				edits[i], edits[j] = edits[j], edits[i]
			}
		}
	}
	for _, e := range edits {
		next := make([]byte, 0, len(out)+len(e.text))
		next = append(next, out[:e.from]...)
		next = append(next, e.text...)
		next = append(next, out[e.to:]...)
		out = next
		changed = true
	}
	res := descriptor.Validate(file, out, descriptor.Options{})
	for _, f := range res.Findings {
		if strings.HasPrefix(f.Rule, "forge-") || f.Rule == "json-syntax" || (f.Rule == "unknown-property" && strings.Contains(f.Pointer, "forgeApp")) {
			return nil, fmt.Errorf("the linked descriptor does not validate (%s at %d:%d: %s); nothing was written", f.Rule, f.Line, f.Column, f.Message)
		}
	}
	return &LinkResult{Source: out, Changed: changed, Validation: res}, nil
}

// quote writes s as a JSON string, leaving & < > as they are.
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// insertion finds where to add the missing members and the text to add:
// after the "key" member, as Atlassian's example has it, on lines of
// their own indented like it; or, without a key followed by a comma,
// after the last member.
func insertion(src []byte, root *json5.Node, kvs [][2]string) (int, string, error) {
	if len(root.Members) == 0 {
		// {} or { } : write the members inside the braces.
		open := root.Pos.Offset + 1
		var parts []string
		for _, kv := range kvs {
			parts = append(parts, fmt.Sprintf("  %s: %s", quote(kv[0]), quote(kv[1])))
		}
		return open, "\n" + strings.Join(parts, ",\n") + "\n", nil
	}
	anchor := root.Member("key")
	if anchor != nil {
		if comma := nextComma(src, anchor.Value.End); comma >= 0 {
			indent, ownLine := lineIndent(src, anchor.KeyPos.Offset)
			rest, eol := restOfLine(src, comma+1)
			if ownLine && (rest == "" || strings.HasPrefix(rest, "//")) {
				var b strings.Builder
				for _, kv := range kvs {
					fmt.Fprintf(&b, "%s%s: %s,%s", indent, quote(kv[0]), quote(kv[1]), newline(src))
				}
				return eol, b.String(), nil
			}
			var b strings.Builder
			for _, kv := range kvs {
				fmt.Fprintf(&b, " %s: %s,", quote(kv[0]), quote(kv[1]))
			}
			return comma + 1, b.String(), nil
		}
	}
	last := root.Members[len(root.Members)-1]
	indent, ownLine := lineIndent(src, last.KeyPos.Offset)
	var b strings.Builder
	for _, kv := range kvs {
		if ownLine {
			fmt.Fprintf(&b, ",%s%s%s: %s", newline(src), indent, quote(kv[0]), quote(kv[1]))
		} else {
			fmt.Fprintf(&b, ", %s: %s", quote(kv[0]), quote(kv[1]))
		}
	}
	if last.Value.End > len(src) {
		return 0, "", errors.New("the descriptor's positions are out of range")
	}
	return last.Value.End, b.String(), nil
}

// nextComma returns the offset of the comma after a value, skipping
// spaces and comments, or -1 when the next thing is not a comma.
func nextComma(src []byte, i int) int {
	for i < len(src) {
		switch {
		case src[i] == ',':
			return i
		case src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n':
			i++
		case strings.HasPrefix(string(src[i:min(i+2, len(src))]), "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(string(src[i:min(i+2, len(src))]), "/*"):
			end := strings.Index(string(src[i+2:]), "*/")
			if end < 0 {
				return -1
			}
			i += end + 4
		default:
			return -1
		}
	}
	return -1
}

// lineIndent returns the white space before offset on its line, and
// whether only white space precedes it there.
func lineIndent(src []byte, offset int) (string, bool) {
	start := offset
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	prefix := string(src[start:offset])
	return prefix, strings.TrimLeft(prefix, " \t") == ""
}

// restOfLine returns the rest of the line after i, trimmed, and the offset
// of the next line's start.
func restOfLine(src []byte, i int) (string, int) {
	j := i
	for j < len(src) && src[j] != '\n' {
		j++
	}
	rest := strings.TrimSpace(string(src[i:j]))
	if j < len(src) {
		j++
	}
	return rest, j
}

// newline is the descriptor's line ending.
func newline(src []byte) string {
	if strings.Contains(string(src), "\r\n") {
		return "\r\n"
	}
	return "\n"
}

// UpdateInstructions says how to make installations read the linked
// descriptor, for a Shared app and for a Classic one.
func UpdateInstructions(appKey string) string {
	return fmt.Sprintf(`Serve the new descriptor, then update the installations so that they read it:

  Shared app (Workspace settings > Develop apps):
    click Update on the Connect app %[1]q: this updates all installations.

  Classic app (installed by descriptor URL):
    for each installation, call PUT https://api.bitbucket.org/2.0/addon with a
    Connect JWT of that installation (Authorization: JWT …); an empty body
    re-reads the descriptor URL. Adding these keys asks for no new scopes, so
    Bitbucket accepts it without the workspace's approval. For example:
      TOKEN=$(connectgen jwt sign --secret "$SHARED_SECRET" --iss %[1]s --sub "$CLIENT_KEY" --method PUT --url /2.0/addon)
      curl -X PUT -H "Authorization: JWT $TOKEN" https://api.bitbucket.org/2.0/addon

Workspace admins then see "Get the Forge app" on their Installed apps page, and
the Forge app can fetch the Connect client key for the data migration
(GET /2.0/addon/%[1]s/client-key, until Connect support ends on %[2]s).
`, appKey, BitbucketConnectEnds)
}

// ReplaceFile writes data over an existing file atomically: a temporary
// file beside it, with the same mode, renamed into place, so that a
// failure leaves the old descriptor whole.
func ReplaceFile(path string, data []byte) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".connectgen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), fi.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
