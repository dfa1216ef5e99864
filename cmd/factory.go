package cmd

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"
	"golang.org/x/term"

	"github.com/connectgen/connectgen/templates"
)

// IOStreams are the process's standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY and OutTTY say whether stdin and stdout are terminals.
	InTTY, OutTTY bool
}

// CanPrompt says whether it is safe to ask the user something: survey
// misbehaves on pipes (control codes, EOF), so only when both ends are
// terminals.
func (s *IOStreams) CanPrompt() bool { return s.InTTY && s.OutTTY }

// Prompter asks the user for values. Commands call it only when
// IOStreams.CanPrompt is true; every prompted value also has a flag.
type Prompter interface {
	Input(message, def string) (string, error)
	Confirm(message string, def bool) (bool, error)
	Select(message string, options []string, def string) (string, error)
}

// Factory carries the outside world into commands, so tests can swap it.
type Factory struct {
	IO        *IOStreams
	Prompter  Prompter
	Templates fs.FS
	// History holds earlier versions of the templates, for update; nil
	// is the embedded history.
	History fs.FS
	Now     func() time.Time
	// Getenv reads the environment; tests may replace it.
	Getenv func(string) string

	// afterStaged, set only by the tests' entry point (testMain), is
	// called after each file new stages, with how many of total are
	// staged: a test can stop the write there to interrupt it mid-way.
	afterStaged func(ctx context.Context, staged, total int)
}

func newFactory() *Factory {
	streams := &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
	}
	return &Factory{
		IO:        streams,
		Prompter:  &surveyPrompter{io: streams},
		Templates: templates.FS,
		Now:       time.Now,
		Getenv:    os.Getenv,
	}
}

// surveyPrompter is the Prompter backed by survey/v2.
type surveyPrompter struct{ io *IOStreams }

func (p *surveyPrompter) opts() survey.AskOpt {
	in, _ := p.io.In.(terminal.FileReader)
	out, _ := p.io.Out.(terminal.FileWriter)
	return survey.WithStdio(in, out, p.io.ErrOut)
}

func (p *surveyPrompter) Input(message, def string) (string, error) {
	var v string
	err := survey.AskOne(&survey.Input{Message: message, Default: def}, &v, p.opts())
	return v, promptErr(err)
}

func (p *surveyPrompter) Confirm(message string, def bool) (bool, error) {
	var v bool
	err := survey.AskOne(&survey.Confirm{Message: message, Default: def}, &v, p.opts())
	return v, promptErr(err)
}

func (p *surveyPrompter) Select(message string, options []string, def string) (string, error) {
	var v string
	err := survey.AskOne(&survey.Select{Message: message, Options: options, Default: def}, &v, p.opts())
	return v, promptErr(err)
}

// promptErr turns Ctrl-C at a prompt into the interrupted exit.
func promptErr(err error) error {
	if errors.Is(err, terminal.InterruptErr) {
		return errInterrupted
	}
	return err
}
