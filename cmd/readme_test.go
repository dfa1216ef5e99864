package cmd

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeWalkthrough: the README opens with a first app that works as
// written from a clone (readme_walkthrough.txtar runs its steps): build
// the binary first, create the app outside the clone, install, run it
// with the local host, simulate.
func TestReadmeWalkthrough(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if strings.Contains(readme, "go run . new") {
		t.Error("the README still runs `go run . new`, which writes into the clone")
	}
	start := strings.Index(readme, "<!-- walkthrough")
	if start < 0 || start > strings.Index(readme, "\n## ") {
		t.Fatal("the README does not open with the walkthrough (<!-- walkthrough … --> before the first section)")
	}
	block := readme[start:]
	block = block[strings.Index(block, "```sh\n")+6:]
	block = block[:strings.Index(block, "```")]
	var steps []string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		steps = append(steps, strings.TrimSpace(cmd))
	}
	want := []string{
		`make build && export PATH="$PWD/bin:$PATH"`,
		`cd "$(mktemp -d)" && connectgen new a-quick-addon -t bitbucket --yes`,
		`cd a-quick-addon && npm install`,
		`connectgen run --local`,
		`connectgen simulate`,
	}
	if strings.Join(steps, "\n") != strings.Join(want, "\n") {
		t.Errorf("walkthrough steps:\n%s\nwant (as readme_walkthrough.txtar runs them):\n%s", strings.Join(steps, "\n"), strings.Join(want, "\n"))
	}
}

// TestFactsInTheRightTense: the README and the templates' READMEs state
// the platform's dates as past or future as of the release (December
// 2026), every mention of Node 20 says it reached its end of life on
// 2026-04-30, and the README's Go version is go.mod's.
func TestFactsInTheRightTense(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var goLine string
	for _, l := range strings.Split(string(gomod), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			goLine = strings.TrimSpace(v)
		}
	}
	docs := map[string]string{}
	for _, name := range []string{"../README.md", "../templates/bitbucket/README.md.tmpl", "../templates/_jira-confluence/README.md.tmpl"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = string(b)
	}
	if !strings.Contains(docs["../README.md"], "Go "+goLine+" or later to build (`go.mod`'s `go` line") {
		t.Errorf("the README's Install section does not name go.mod's Go version %s", goLine)
	}
	stale := []string{
		"app passwords stop working", // removed on 2026-07-28
		"passwords stop working on",
		"is blocked since",                              // has been, since 2026-03-31
		"ends Connect support on 31 January 2027. Apps", // will end
	}
	for name, doc := range docs {
		for _, s := range stale {
			if strings.Contains(doc, s) {
				t.Errorf("%s: %q is in the wrong tense as of December 2026", name, s)
			}
		}
		for _, para := range strings.Split(doc, "\n\n") {
			flat := strings.Join(strings.Fields(para), " ")
			if (strings.Contains(flat, "Node 20") || strings.Contains(flat, "Node.js 20")) &&
				!strings.Contains(flat, "2026-04-30") && !strings.Contains(flat, "30 April 2026") {
				t.Errorf("%s: Node 20 without its end of life (2026-04-30):\n%s", name, para)
			}
		}
	}
}
