// Command smed is the Smed Slack bot and its operator tools: the server
// (smed run), a local shell, one-shot reminder and digest runs, CSV
// import/export, and backup/restore as JSON Lines. It wires the adapters together; it is the only package that
// reads configuration (viper).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Exit statuses (SPEC.md): 0 success, 1 runtime failure, 2 usage or configuration.
const (
	exitFailure = 1
	exitUsage   = 2
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	gcDefault(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(exitCode(err))
	}
}

// defaultGOGC is the garbage collector's target when GOGC is not set. Smed
// keeps little in memory (the records live in Redis) and allocates a few
// tens of KB per request, so with Go's default of 100 it collects many
// times a second under load; at 400 the heap may grow to five times what is
// live (tens of MB), and a note costs about 15 % less server CPU (make
// bench). GOGC, and GOMEMLIMIT, in the environment win as usual.
const defaultGOGC = 400

func gcDefault(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGOGC)
	}
}

// exitCode maps an error to the process exit status; run has already printed it.
func exitCode(err error) int {
	var ce *configError
	var ue *usageErr
	var cm *commandErr
	if errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &cm) {
		return exitUsage
	}
	return exitFailure
}

// usageErr is a command-line mistake.
type usageErr struct{ msg string }

func (e *usageErr) Error() string { return e.msg }

// commandErr is a missing or unknown command: the usage text follows it.
type commandErr struct{ msg string }

func (e *commandErr) Error() string { return e.msg }

const usageText = `Smed, the Slack relationship assistant.

Usage:
  smed [--config PATH] <command> [flags]

Commands:
  run                     the bot: HTTP server, Socket Mode when an app token is set, the scheduler
  shell [--user NAME]     a local chat with the same /customer commands, no Slack needed
  remind [--dry-run]      send today's reminder DMs now (once per owner per day)
  digest [--dry-run] [--channel ID]
                          post the neglected-accounts digest now (once per period)
  import FILE.csv         create or update customers from CSV, or log the deals of a
                          deals file (header customer,amount,date[,text]); a re-import adds nothing
  export [FILE.csv]       write all customers as CSV (stdout without FILE)
  backup [FILE.jsonl]     the whole workspace as JSON Lines (stdout without FILE)
  restore FILE.jsonl [--merge]
                          rebuild a workspace from a backup (an empty one, unless --merge)
  healthcheck [--url URL] exit 0 when smed run answers GET /healthz (for container health checks)
  version                 version and build info

Global flags:
  --config PATH           config file (default: ./config.yaml when present)

Every setting can come from the environment as SMED_<KEY> (see config.example.yaml).
`

// env is what every command gets from run.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	config string // --config
}

// run is the whole program; main only calls it. It prints its own errors.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr})
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		var ce *configError
		if errors.As(err, &ce) {
			fmt.Fprintln(stderr, "smed: configuration problems:")
			for _, p := range ce.problems {
				fmt.Fprintln(stderr, "  -", p)
			}
		} else {
			fmt.Fprintln(stderr, "smed:", err)
		}
		var cm *commandErr
		if errors.As(err, &cm) {
			fmt.Fprint(stderr, "\n"+usageText)
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, e *env) error {
	global := flag.NewFlagSet("smed", flag.ContinueOnError)
	global.SetOutput(e.stderr)
	global.Usage = func() { fmt.Fprint(e.stderr, usageText) }
	global.StringVar(&e.config, "config", "", "config file")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageErr{err.Error()}
	}
	rest := global.Args()
	if len(rest) == 0 {
		return &commandErr{"no command given"}
	}
	cmd, cargs := rest[0], rest[1:]
	switch cmd {
	case "run":
		return cmdServe(ctx, cargs, e)
	case "shell":
		return cmdShell(ctx, cargs, e)
	case "remind":
		return cmdRemind(ctx, cargs, e)
	case "digest":
		return cmdDigest(ctx, cargs, e)
	case "import":
		return cmdImport(ctx, cargs, e)
	case "export":
		return cmdExport(ctx, cargs, e)
	case "backup":
		return cmdBackup(ctx, cargs, e)
	case "restore":
		return cmdRestore(ctx, cargs, e)
	case "healthcheck":
		return cmdHealthcheck(ctx, cargs, e)
	case "version", "--version":
		return cmdVersion(e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usageText)
		return nil
	}
	return &commandErr{fmt.Sprintf("unknown command %q", cmd)}
}

// flags returns a flag set for a subcommand; --config is accepted there too.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("smed "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&e.config, "config", e.config, "config file")
	return fs
}

// parseFlags parses args; a mistake is said once (by the usageErr the caller
// prints), after the flags the command takes.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // flag would print the error itself, and then we again
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err != nil {
		fs.Usage()
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageErr{err.Error()}
	}
	return nil
}

func cmdVersion(e *env) error {
	info, _ := debug.ReadBuildInfo()
	goVersion, rev := "", ""
	if info != nil {
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	fmt.Fprintf(e.stdout, "smed %s", version)
	if rev != "" {
		fmt.Fprintf(e.stdout, " (%s)", rev)
	}
	fmt.Fprintf(e.stdout, " %s\n", goVersion)
	return nil
}
