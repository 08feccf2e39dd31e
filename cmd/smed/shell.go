package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

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
	a, err := newApp(ctx, e, appOptions{logLevel: slog.LevelError})
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
	lines, readErr := readLines(e.stdin, interactive)
	for {
		if interactive {
			fmt.Fprint(e.stdout, "smed> ")
		}
		var line string
		var ok bool
		select {
		case line, ok = <-lines:
		case <-ctx.Done(): // Ctrl-C while waiting for input
			ok = false
			if storage.IsMemory(a.cfg.Redis.URL) {
				fmt.Fprint(e.stderr, "\nBye. The in-memory store is gone with this shell.")
			}
		}
		if !ok {
			if interactive {
				fmt.Fprintln(e.stdout) // end the prompt line
			}
			break
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case line == "quit" || line == "exit":
			return nil
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
	if ctx.Err() == nil {
		if err := <-readErr; err != nil {
			return fmt.Errorf("reading input: %w", err)
		}
	}
	return nil
}

// readLines reads r line by line on its own goroutine, so the shell can stop
// on a signal while a read blocks. The error (nil at EOF) follows the last line.
// At a terminal, a line left unfinished by Ctrl-D is dropped, not run: the
// user was still typing it. Piped input runs its last line either way.
func readLines(r io.Reader, terminal bool) (<-chan string, <-chan error) {
	lines, errc := make(chan string), make(chan error, 1)
	go func() {
		defer close(lines)
		in := bufio.NewReaderSize(r, 64*1024)
		for {
			line, err := in.ReadString('\n')
			complete := strings.HasSuffix(line, "\n")
			if line != "" && (complete || !terminal) {
				lines <- strings.TrimRight(line, "\r\n")
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				errc <- err
				return
			}
		}
	}()
	return lines, errc
}

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
