package cmd

import (
	"errors"
	"fmt"
)

// Exit codes, documented in the README.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// ExitError carries the exit code an error maps to. A nil Err with a code
// means the command already reported what went wrong (findings, a child's
// output) and only the code is left to pass on.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErrorf is a usage error: bad flags or arguments, exit 2.
func usageErrorf(format string, a ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, a...)}
}

// failf is an ordinary failure, exit 1.
func failf(format string, a ...any) error {
	return &ExitError{Code: ExitFailure, Err: fmt.Errorf(format, a...)}
}

// silentExit ends the command with code and no further message.
func silentExit(code int) error { return &ExitError{Code: code} }

// errInterrupted is returned when the user pressed Ctrl-C at a prompt or
// while a command was writing.
var errInterrupted = &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFailure
}
