package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/backup"
	"github.com/smedhq/smed/bot"
	"github.com/smedhq/smed/csvio"
	"github.com/smedhq/smed/names"
	"github.com/smedhq/smed/reminders"
)

// jobTimeout bounds one-shot remind and digest runs.
const jobTimeout = 10 * time.Minute

// cmdRemind is `smed remind [--dry-run]`: today's reminders now, with the
// same once-per-owner-per-day guard as the scheduler.
func cmdRemind(ctx context.Context, args []string, e *env) error {
	fs := e.flags("remind")
	dry := fs.Bool("dry-run", false, "print the reminders instead of sending them")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageErr{fmt.Sprintf("remind takes no arguments (got %q)", fs.Arg(0))}
	}
	a, err := newApp(ctx, e, appOptions{slack: !*dry})
	if err != nil {
		return err
	}
	defer a.close()
	ctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	if *dry {
		rs, sum, err := previewEngine(a, e.stderr).Reminders(ctx, a.team, time.Now())
		switch {
		case len(rs) == 0 && err == nil && sum.NotDue > 0:
			fmt.Fprintf(e.stdout, "No reminders now: %s with overdue customers, whose local %s has not come yet today.\n",
				plural(sum.NotDue, "owner"), a.cfg.Reminders.LocalTime)
		case len(rs) == 0 && err == nil:
			fmt.Fprintln(e.stdout, "No reminders: nobody has overdue customers.")
		}
		for _, r := range rs {
			fmt.Fprintf(e.stdout, "--- to @%s (%s) ---\n%s\n\n", r.Owner, r.Date, bot.ReminderText(r, cmp.Or(r.Zone, a.cfg.loc)))
		}
		if err != nil {
			return fmt.Errorf("remind --dry-run: %w", err)
		}
		return nil
	}
	_, sum, err := a.engine.Remind(ctx, a.team, time.Now())
	fmt.Fprintf(e.stdout, "remind: %s\n", sum)
	if err != nil {
		return fmt.Errorf("remind: %w", err)
	}
	return nil
}

// cmdDigest is `smed digest [--dry-run] [--channel ID]`.
func cmdDigest(ctx context.Context, args []string, e *env) error {
	fs := e.flags("digest")
	dry := fs.Bool("dry-run", false, "print the digest instead of posting it")
	channel := fs.String("channel", "", "channel ID to post to (default: digest.channel)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageErr{fmt.Sprintf("digest takes no arguments (got %q)", fs.Arg(0))}
	}
	a, err := newApp(ctx, e, appOptions{slack: !*dry})
	if err != nil {
		return err
	}
	defer a.close()
	ch := *channel
	if ch == "" {
		ch = a.cfg.Digest.Channel
	}
	if ch != "" && smed.CheckChannelID(ch) != nil {
		return &usageErr{fmt.Sprintf("--channel: %q is not a channel ID (like C0123ABCD)", ch)}
	}
	if ch == "" && !*dry {
		return &usageErr{"no channel to post to: pass --channel ID or set digest.channel (SMED_DIGEST_CHANNEL)"}
	}
	ctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	if *dry {
		d, err := previewEngine(a, e.stderr).BuildDigest(ctx, a.team, time.Now())
		if err != nil {
			return fmt.Errorf("digest --dry-run: %w", err)
		}
		fmt.Fprintln(e.stdout, bot.DigestText(d))
		return nil
	}
	_, sum, err := a.engine.Digest(ctx, a.team, ch, time.Now())
	fmt.Fprintf(e.stdout, "digest to %s: %s\n", ch, sum)
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	return nil
}

// previewEngine is the engine for --dry-run. A preview sends nothing, so it
// must not fail because Slack cannot be reached: an owner Slack could not be
// asked about counts as still in the workspace, and the first failure is
// reported once on warn. Without a bot token there is no Slack to ask.
func previewEngine(a *wired, warn io.Writer) *reminders.Engine {
	dir := &previewDirectory{warn: warn}
	if a.cfg.Slack.BotToken != "" {
		dir.slack = a.notifier
	} else {
		fmt.Fprintln(warn, "smed: no slack.bot_token, so the preview cannot ask Slack who has left the workspace; it assumes every owner is still here")
	}
	return a.engineWith(dir)
}

// previewDirectory answers like slack, except that a lookup that fails means
// "still here". After the first failure it stops asking: when Slack is out of
// reach every further lookup would fail the same way, each after a timeout.
type previewDirectory struct {
	slack reminders.Directory // nil: no Slack, everyone is here
	warn  io.Writer

	mu     sync.Mutex
	failed bool
}

var _ reminders.Directory = (*previewDirectory)(nil)

func (d *previewDirectory) Deleted(ctx context.Context, userID string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.slack == nil || d.failed {
		return false, nil
	}
	gone, err := d.slack.Deleted(ctx, userID)
	if err != nil {
		d.failed = true
		fmt.Fprintf(d.warn, "smed: warning: could not ask Slack who has left the workspace (%v); the preview assumes every owner is still here\n", err)
		return false, nil
	}
	return gone, nil
}

// cmdImport is `smed import FILE.csv`: rows with problems are reported by line
// and the rest still import; the exit status is 1 when any row failed.
func cmdImport(ctx context.Context, args []string, e *env) error {
	fs := e.flags("import")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageErr{"usage: smed import FILE.csv"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return &usageErr{err.Error()}
	}
	defer f.Close()
	in := bufio.NewReaderSize(f, 64<<10)
	if start, _ := in.Peek(256); backup.Looks(start) {
		return &usageErr{fmt.Sprintf("%s is a Smed backup (JSON Lines), not a CSV file: bring it back with `smed restore %s`", fs.Arg(0), fs.Arg(0))}
	}
	a, err := newApp(ctx, e, appOptions{})
	if err != nil {
		return err
	}
	defer a.close()
	opts := csvio.Options{DefaultCadence: a.cfg.Customers.DefaultCadenceDays, Location: a.cfg.loc, Local: a.team == localTeam}
	if a.cfg.Slack.BotToken != "" {
		opts.LookupEmail = a.notifier.LookupEmail // owners named by e-mail
	}
	file, err := csvio.ReadFile(ctx, in, opts)
	if err != nil {
		return fmt.Errorf("import %s: %w", fs.Arg(0), err)
	}
	var failed []csvio.LineError
	if file.Kind == csvio.KindDeals {
		added, there, f := importDeals(ctx, a, file)
		failed = f
		fmt.Fprintf(e.stdout, "import %s: %s added, %d already there, %s with problems\n", fs.Arg(0),
			plural(added, "deal"), there, rowCount(len(failed)))
	} else {
		rows, problems := file.Customers, file.Problems
		counts := map[smed.ImportOutcome]int{}
		failed = problems
		now := time.Now()
		for _, row := range rows {
			outcome, err := a.store.Import(ctx, a.team, row.Record, now)
			if err != nil {
				failed = append(failed, csvio.LineError{Line: row.Line, Err: err})
				continue
			}
			counts[outcome]++
		}
		// In file order, whether the reader or the store refused the row.
		slices.SortStableFunc(failed, func(x, y csvio.LineError) int { return cmp.Compare(x.Line, y.Line) })
		fmt.Fprintf(e.stdout, "import %s: %d created, %d updated, %d unchanged, %s with problems\n", fs.Arg(0),
			counts[smed.ImportCreated], counts[smed.ImportUpdated], counts[smed.ImportUnchanged], rowCount(len(failed)))
	}
	for _, f := range failed {
		fmt.Fprintln(e.stdout, "  "+f.Error())
	}
	switch len(failed) {
	case 0:
		return nil
	case 1:
		return errors.New("import: 1 row was not imported (see above)")
	default:
		return fmt.Errorf("import: %d rows were not imported (see above)", len(failed))
	}
}

// importDeals logs the deals of a deals file through the app's Deal use
// case, each on the customer its row names (which must exist: a deal never
// creates one), at the row's date. Each deal's idempotency key is derived
// from what the row says (customer as its name key, amount, time, text), not
// from its line, so importing the file again, or a file with more rows
// appended or reordered, adds only what is new. Two rows that say exactly the
// same thing are one deal. Rows with problems are reported by line, in file
// order, and the rest still import, as a customers file does.
func importDeals(ctx context.Context, a *wired, file csvio.File) (added, there int, failed []csvio.LineError) {
	failed = append(failed, file.Problems...)
	actor := app.Actor{Team: a.team} // an import has no author
	for _, row := range file.Deals {
		key := "import\x00" + names.Key(row.Customer) + "\x00" + strconv.FormatInt(row.Amount, 10) + "\x00" +
			row.At.UTC().Format(time.RFC3339Nano) + "\x00" + row.Text
		rc, err := a.svc.Deal(ctx, actor, app.DealInput{
			Readings: []app.DealReading{{Name: row.Customer, Amount: row.Amount, Text: row.Text}},
			At:       row.At, Key: key,
		})
		var unknown *app.UnknownCustomerError
		switch {
		case errors.As(err, &unknown):
			msg := fmt.Sprintf("no customer called %q (import it in a customers file first)", row.Customer)
			if len(unknown.Suggestions) > 0 {
				msg = fmt.Sprintf("no customer called %q; did you mean %q?", row.Customer, unknown.Suggestions[0].Name)
			}
			failed = append(failed, csvio.LineError{Line: row.Line, Err: errors.New(msg)})
		case err != nil:
			failed = append(failed, csvio.LineError{Line: row.Line, Err: err})
		case rc.Duplicate:
			there++
		default:
			added++
		}
	}
	slices.SortStableFunc(failed, func(x, y csvio.LineError) int { return cmp.Compare(x.Line, y.Line) })
	return added, there, failed
}

// rowCount is "1 row", "0 rows", "2 rows".
func rowCount(n int) string { return plural(n, "row") }

// plural is "1 owner", "2 owners".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// cmdExport is `smed export [FILE.csv]` (stdout without FILE).
func cmdExport(ctx context.Context, args []string, e *env) error {
	fs := e.flags("export")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return &usageErr{"usage: smed export [FILE.csv]"}
	}
	a, err := newApp(ctx, e, appOptions{})
	if err != nil {
		return err
	}
	defer a.close()
	var n int
	export := func(w io.Writer) (err error) {
		n, err = csvio.Write(w, a.store.Export(ctx, a.team), a.cfg.loc)
		return err
	}
	if fs.NArg() == 0 || fs.Arg(0) == "-" {
		if err := export(e.stdout); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	// To a file: all of it or nothing, as backup does.
	if err := writeFile("export", fs.Arg(0), export); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "exported %s to %s\n", plural(n, "customer"), strings.TrimSpace(fs.Arg(0)))
	return nil
}
