package descriptor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	src := "{\n\t\"key\": \"test-app\",\n\t\"name\": \"x\", \"description\": \"y\",\n\t\"baseUrl\": \"http://example.com\",\n\t\"authentication\": {\"type\": \"none\"},\n\t\"lifecycle\": {},\n\t\"terms\": 1\n}"
	r := Validate("dir/atlassian-connect.json", []byte(src), Options{})
	var b bytes.Buffer
	if err := WriteText(&b, []*Result{r}, false); err != nil {
		t.Fatal(err)
	}
	want := `dir/atlassian-connect.json:4:13: error [baseurl-https] baseUrl must use https; Bitbucket refuses apps served over http
  at /baseUrl
  4 | 	"baseUrl": "http://example.com",
    | 	           ^
  suggestion: use "https://example.com"
dir/atlassian-connect.json:7:2: error [unknown-property] unknown property "terms" at the top level; Bitbucket rejects descriptors with properties it does not know
  at /terms
  7 | 	"terms": 1
    | 	^
  suggestion: allowed here: apiVersion, authentication, baseUrl, contexts, definitions, description, enableLicensing, forgeAppId, forgeAppLink, key, lifecycle, links, modules, name, scopes, vendor
dir/atlassian-connect.json: checked as a Bitbucket descriptor (nothing in the descriptor is Jira's or Confluence's)
dir/atlassian-connect.json: invalid (2 errors, 0 warnings, 0 notes)
`
	if b.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	clean := Validate("ok.json", []byte(base), Options{})
	_ = WriteText(&b, []*Result{clean}, false) // the test checks what follows, not this call
	// The product is named for Bitbucket too, with why.
	if b.String() != "ok.json: checked as a Bitbucket descriptor (location org.bitbucket.repository.navigation, location org.bitbucket.repository.overview.informationPanel)\nok.json: valid (0 errors, 0 warnings, 0 notes)\n" {
		t.Errorf("clean: %q", b.String())
	}

	b.Reset()
	_ = WriteText(&b, []*Result{r}, true) // the test checks what follows, not this call
	if !strings.Contains(b.String(), "\x1b[1m\x1b[31merror\x1b[0m") || !strings.Contains(b.String(), "\x1b[2m[baseurl-https]\x1b[0m") {
		t.Errorf("colour codes missing:\n%q", b.String())
	}
}

func TestWriteTextLongLine(t *testing.T) {
	// A minified descriptor: the line is cut around the column and the
	// caret still points at the value.
	pad := strings.Repeat(" ", 500)
	src := `{"key": "k",` + pad + `"name": "n", "description": "d", "baseUrl": "https://a.example.com", "authentication": {"type": "none"}, "lifecycle": {}, "vendor": {"nme": "x"}}`
	r := Validate("min.json", []byte(src), Options{})
	if len(r.Findings) != 1 {
		t.Fatalf("findings:\n%s", dump(r))
	}
	text, caret, ok := sourceLine(r.Source, lineIndex(r.Source), r.Findings[0].Line, r.Findings[0].Column)
	if !ok {
		t.Fatal("no source line")
	}
	if n := len([]rune(text)); n > maxShown+2 {
		t.Errorf("shown line has %d characters", n)
	}
	at := strings.Index(caret, "^")
	if got := string([]rune(text)[at:]); !strings.HasPrefix(got, `"nme"`) {
		t.Errorf("caret points at %q", got)
	}
}

func TestSourceLineEdges(t *testing.T) {
	src := []byte("a\r\nbé\rc")
	idx := lineIndex(src)
	for _, tt := range []struct {
		line, col   int
		text, caret string
	}{{1, 1, "a", "^"}, {2, 2, "bé", " ^"}, {2, 3, "bé", "  ^"}, {3, 1, "c", "^"}} {
		text, caret, ok := sourceLine(src, idx, tt.line, tt.col)
		if !ok || text != tt.text || caret != tt.caret {
			t.Errorf("sourceLine(%d, %d) = %q %q %v", tt.line, tt.col, text, caret, ok)
		}
	}
	if _, _, ok := sourceLine(src, idx, 4, 1); ok {
		t.Error("line 4 exists")
	}
}

func TestWriteJSON(t *testing.T) {
	r := Validate("a.json", edit(t, `/contexts=["personal"]`, `/modules/webItems/0/location="x.y"`), Options{})
	var b bytes.Buffer
	if err := WriteJSON(&b, []*Result{r}); err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 1 || rep.Warnings != 1 || len(rep.Files) != 1 || rep.Files[0].Valid || rep.Files[0].File != "a.json" {
		t.Fatalf("report %+v", rep)
	}
	f := rep.Files[0].Findings[0]
	if f.Rule != "context-personal" || f.Severity != SeverityError || f.Pointer != "/contexts/0" || f.Line == 0 || f.Column == 0 || f.Suggestion == "" || f.Message == "" {
		t.Errorf("finding %+v", f)
	}
	b.Reset()
	_ = WriteJSONError(&b, errors.New("cannot read x.json")) // the test checks what follows, not this call
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil || rep.Error != "cannot read x.json" || rep.Files == nil || len(rep.Files) != 0 {
		t.Errorf("error report %s (%v)", b.String(), err)
	}
	b.Reset()
	_ = WriteJSON(&b, []*Result{Validate("ok.json", []byte(base), Options{})}) // the test checks what follows, not this call
	if !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("a clean file must have an empty findings array:\n%s", b.String())
	}
}

func TestWriteGitHub(t *testing.T) {
	r := Validate("dir/a,b.json", edit(t, `/modules/webItems/0/location="x.y"`, `/scopes=["account", "repository", "pullrequest", "project:write"]`), Options{})
	var b bytes.Buffer
	if err := WriteGitHub(&b, []*Result{r}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("output:\n%s", b.String())
	}
	for _, l := range lines[:2] {
		if !strings.HasPrefix(l, "::warning file=dir/a%2Cb.json,line=") && !strings.HasPrefix(l, "::error file=dir/a%2Cb.json,line=") {
			t.Errorf("annotation %q", l)
		}
	}
	if !strings.Contains(b.String(), "title=scope-removed::scope \"project:write\" was removed") || !strings.Contains(b.String(), "(at /scopes/3)%0Ause \"project:admin\"") {
		t.Errorf("annotation content:\n%s", b.String())
	}
	if lines[2] != "dir/a,b.json: invalid (1 error, 1 warning, 0 notes)" {
		t.Errorf("summary %q", lines[2])
	}
	if got := escapeProperty("a:b,c%\n"); got != "a%3Ab%2Cc%25%0A" {
		t.Errorf("escapeProperty = %q", got)
	}
}
