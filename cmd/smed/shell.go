package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/chzyer/readline"

	"github.com/smedhq/smed/bot"
	"github.com/smedhq/smed/storage"
)

// cmdShell is `smed shell`: a local chat that runs the same /customer commands
// as a given user against the configured store and prints what the bot would
// answer, as readable text (like Hubot's shell adapter).
func cmdShell(ctx context.Context, args []string, e *env) error {
	fs := e.flags("shell")
	user := fs.String("user", "", "who you are in the shell (default: $USER)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := newApp(ctx, e, appOptions{logLevel: slog.LevelError, localZone: true})
	if err != nil {
		return err
	}
	defer a.close()
	who := shellUser(*user, e.getenv)

	fmt.Fprintf(e.stderr, "Smed shell: you are @%s in workspace %s. Type /customer commands (the /customer is optional), \"help\", or Ctrl-D to quit.\n", who, a.team)
	if storage.IsMemory(a.cfg.Redis.URL) {
		fmt.Fprintln(e.stderr, "Store: embedded in-memory Redis. Nothing survives exit; set SMED_REDIS_URL=redis://localhost:6379/0 to keep data.")
	} else {
		fmt.Fprintf(e.stderr, "Store: %s\n", redactURL(a.cfg.Redis.URL))
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := a.store.Ping(pctx); err != nil {
			fmt.Fprintf(e.stderr, "Warning: Redis at %s does not answer. Start it, or try Smed without it: SMED_REDIS_URL=memory:// smed shell\n", redactURL(a.cfg.Redis.URL))
		}
		cancel()
	}
	fmt.Fprintln(e.stderr, "To connect Slack: create an app from slack-manifest.yaml, set SMED_SLACK_BOT_TOKEN and SMED_SLACK_APP_TOKEN, then run smed run (README.md, \"Connect Slack\").")

	interactive := isTerminal(e.stdin)
	in, err := newLineReader(ctx, e, who, interactive)
	if err != nil {
		return err
	}
	defer in.Close()
	memory := storage.IsMemory(a.cfg.Redis.URL)
	warned := false
	for {
		line, err := in.ReadLine()
		if errors.Is(err, errInterrupted) {
			continue
		}
		leave := errors.Is(err, io.EOF) || ctx.Err() != nil
		if err != nil && !leave {
			return fmt.Errorf("reading input: %w", err)
		}
		line = strings.TrimSpace(line)
		if line == "quit" || line == "exit" {
			leave = true
		}
		if leave {
			// At a terminal, the first quit on the in-memory store says
			// what it costs; the second one leaves.
			if interactive && memory && !warned && ctx.Err() == nil {
				warned = true
				fmt.Fprintln(e.stderr, "Everything you typed lives only in this shell's in-memory store and is gone when you quit. Quit again (Ctrl-D or quit) to leave.")
				continue
			}
			if memory && interactive {
				fmt.Fprintln(e.stderr, "Bye. The in-memory store is gone with this shell.")
			}
			return nil
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, "/customer"))
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out := a.cmds.RunText(cctx, bot.Request{Team: a.team, User: who, Text: bot.FromTerminal(line)})
		cancel()
		fmt.Fprintln(e.stdout, out)
		fmt.Fprintln(e.stdout)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// errInterrupted is a Ctrl-C at the prompt: the line is dropped, the shell goes on.
var errInterrupted = errors.New("interrupted")

// lineReader is where the shell's lines come from: line editing with history
// at a terminal, plain lines from a pipe.
type lineReader interface {
	ReadLine() (string, error) // io.EOF at the end
	Close() error
}

// newLineReader reads with line editing, history (arrow keys, Ctrl-R) and a
// history file per user under the user's config directory when stdin is a
// terminal, and plain lines otherwise.
func newLineReader(ctx context.Context, e *env, who string, terminal bool) (lineReader, error) {
	if !terminal {
		return newPipeReader(ctx, e.stdin), nil
	}
	cfg := &readline.Config{Prompt: "smed> ", HistorySearchFold: true, InterruptPrompt: "^C", EOFPrompt: "",
		Stdout: e.stdout, Stderr: e.stderr}
	if f, ok := e.stdin.(*os.File); ok {
		cfg.Stdin = f
	}
	if dir, err := os.UserConfigDir(); err == nil {
		hist := filepath.Join(dir, "smed")
		if err := os.MkdirAll(hist, 0o700); err == nil {
			cfg.HistoryFile = filepath.Join(hist, "shell_history_"+who)
		}
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return nil, fmt.Errorf("terminal: %w", err)
	}
	// A signal (SIGTERM) ends the read the terminal is blocked in.
	stop := context.AfterFunc(ctx, func() { rl.Close() })
	return &editReader{rl: rl, stop: stop}, nil
}

type editReader struct {
	rl   *readline.Instance
	stop func() bool
}

func (r *editReader) ReadLine() (string, error) {
	line, err := r.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		if line == "" {
			fmt.Fprintln(r.rl.Stderr(), "(Ctrl-D or quit to leave)")
		}
		return "", errInterrupted
	}
	return line, err
}

func (r *editReader) Close() error { r.stop(); return r.rl.Close() }

// pipeReader reads lines on its own goroutine, so the shell can stop on a
// signal while a read blocks. Its last line runs even without a line end.
type pipeReader struct {
	ctx   context.Context
	lines <-chan string
	errc  <-chan error
}

func newPipeReader(ctx context.Context, r io.Reader) *pipeReader {
	lines, errc := make(chan string), make(chan error, 1)
	go func() {
		defer close(lines)
		in := bufio.NewReaderSize(r, 64*1024)
		for {
			line, err := in.ReadString('\n')
			if line != "" {
				select {
				case lines <- strings.TrimRight(line, "\r\n"):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	return &pipeReader{ctx: ctx, lines: lines, errc: errc}
}

func (p *pipeReader) ReadLine() (string, error) {
	select {
	case line, ok := <-p.lines:
		if ok {
			return line, nil
		}
		return "", <-p.errc
	case <-p.ctx.Done():
		return "", io.EOF
	}
}

func (p *pipeReader) Close() error { return nil }

// shellUser picks the shell's user ID: --user, else $USER, made safe.
func shellUser(flagUser string, getenv func(string) string) string {
	u := flagUser
	if u == "" {
		u = getenv("USER")
	}
	u = strings.TrimPrefix(u, "@")
	u = unsafeUser.ReplaceAllString(u, "")
	if len(u) < 2 {
		u = "me"
	}
	return u[:min(len(u), 64)]
}

func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var unsafeUser = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

var urlPassword = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)

// redactURL hides a password in a Redis URL before it is printed.
func redactURL(u string) string { return urlPassword.ReplaceAllString(u, "${1}***@") }
