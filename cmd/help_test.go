package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// maxLongLines is the most a command's description may take in --help:
// the long explanations are in the README.
const maxLongLines = 15

// TestHelpLeadsWithUsage: every command's --help starts with its usage,
// then its examples, and only then the (short) description and flags.
func TestHelpLeadsWithUsage(t *testing.T) {
	f, _, _ := testFactory(nil, false)
	root := newRootCmd(f)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		// cobra's completion commands keep cobra's own descriptions.
		ours := c.Name() != "completion" && (c.Parent() == nil || c.Parent().Name() != "completion")
		if n := strings.Count(strings.TrimSpace(c.Long), "\n") + 1; ours && c.Long != "" && n > maxLongLines {
			t.Errorf("%s: the description has %d lines, more than %d; move the explanation to the README", c.CommandPath(), n, maxLongLines)
		}
		var out bytes.Buffer
		c.SetOut(&out)
		if err := c.Help(); err != nil {
			t.Fatal(err)
		}
		help := out.String()
		ex, desc := strings.Index(help, "\nExamples:\n"), strings.Index(help, strings.TrimSpace(firstLine(c)))
		if !strings.HasPrefix(help, "Usage:\n  "+c.CommandPath()) || ex < 0 || desc < ex {
			t.Errorf("%s --help does not lead with usage, then examples:\n%s", c.CommandPath(), help)
		}
		for _, sub := range c.Commands() {
			if sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(root)
}

func firstLine(c *cobra.Command) string {
	s := c.Long
	if s == "" {
		s = c.Short
	}
	line, _, _ := strings.Cut(s, "\n")
	return line
}
