package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, as most command-line tools have them.
const (
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // the command line was wrong: nothing was done
)

// usageError is a command line that cannot be run: an unknown command or
// flag, missing or extra arguments, a bad flag value. The process exits
// with exitUsage.
type usageError struct {
	msg string
	// hint is a second line saying where to read the usage.
	hint string
}

func (e usageError) Error() string {
	if e.hint == "" {
		return e.msg
	}
	return e.msg + "\n" + e.hint
}

func usageErr(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode is the process's exit status for err.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

// cobraUsagePrefixes start the messages of cobra's own usage errors that
// no hook of cobra's hands to the program.
var cobraUsagePrefixes = []string{
	"required flag(s)",
	"if any flags in the group",
	"none of the others can be",
	"at least one of the flags in the group",
	"unknown command",
}

// asUsageError gives a usage error of cmd (the command that ran) the
// hint to read its help, and turns cobra's own usage errors into
// usageErrors; other errors pass as they are.
func asUsageError(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	var ue usageError
	switch {
	case errors.As(err, &ue) && ue.hint != "":
		return err
	case ue.msg == "" && !slices.ContainsFunc(cobraUsagePrefixes, func(p string) bool { return strings.HasPrefix(err.Error(), p) }):
		return err
	}
	ue = usageError{msg: strings.TrimSpace(err.Error())}
	if cmd != nil {
		ue.hint = fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())
	}
	return ue
}

// checkUsage makes every command of the tree report usage errors as
// usageErrors: flag parsing (unknown flag, missing or bad value), the
// argument checks, and a command group given an unknown subcommand (cobra
// would print the group's help and exit 0). Groups say "did you mean"
// when a subcommand's name is close.
func checkUsage(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{msg: err.Error()} })
	if orig := cmd.Args; orig != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := orig(c, args); err != nil {
				return usageError{msg: err.Error()}
			}
			return nil
		}
	}
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return unknownCommand(c, args[0])
		}
	}
	for _, sub := range cmd.Commands() {
		checkUsage(sub)
	}
}

// unknownCommand is the usage error for group given sub, with the names
// cobra finds close to it.
func unknownCommand(group *cobra.Command, sub string) error {
	msg := fmt.Sprintf("unknown command %q for %q", sub, group.CommandPath())
	if group.SuggestionsMinimumDistance <= 0 {
		group.SuggestionsMinimumDistance = 2 // cobra's default distance
	}
	if s := group.SuggestionsFor(sub); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError{msg: msg}
}
