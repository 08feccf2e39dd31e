package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/backup"
	"github.com/smedhq/smed/storage"
)

// Restore sends the store at most restoreCustomers customers, or about
// restoreRecords records, per call: memory holds one such part of the file.
const (
	restoreCustomers = 100
	restoreRecords   = 5000
)

// cmdBackup is `smed backup [FILE.jsonl]`: the whole workspace as JSON Lines,
// to stdout without FILE. With FILE it writes a temporary file next to it
// and renames it into place once everything is written and synced, so a
// failed backup never leaves a half file under that name (an older backup
// there stays as it was).
func cmdBackup(ctx context.Context, args []string, e *env) (err error) {
	fs := e.flags("backup")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return &usageErr{"usage: smed backup [FILE.jsonl]"}
	}
	path := fs.Arg(0)
	a, err := newApp(ctx, e, appOptions{})
	if err != nil {
		return err
	}
	defer a.close()

	customers := 0
	records := func(yield func(smed.Record, error) bool) {
		for r, err := range a.store.Backup(ctx, a.team) {
			if err == nil && r.Kind == smed.RecordCustomer {
				customers++
			}
			if !yield(r, err) {
				return
			}
		}
	}
	if path == "" || path == "-" {
		if _, err := backup.Write(e.stdout, records); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return nil
	}

	var n int
	if err := writeFile("backup", path, func(w io.Writer) (err error) {
		n, err = backup.Write(w, records)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "backed up %s (%s) of workspace %s to %s\n", plural(customers, "customer"), plural(n, "record"), a.team, path)
	return nil
}

// cmdRestore is `smed restore FILE.jsonl [--merge]`. It reads the whole file
// before writing anything: every line must be a valid record (bad lines are
// reported by number), no two customers may share a name or a channel, and
// nothing may conflict with what the workspace holds. Without --merge the
// workspace must be empty; with it the backup is added to what is there
// (customers that exist keep their own fields and get what they lack).
// Then it restores the file one part at a time, each customer in one atomic
// step.
func cmdRestore(ctx context.Context, args []string, e *env) error {
	fs := e.flags("restore")
	merge := fs.Bool("merge", false, "add the backup to a workspace that has customers (nothing already there is doubled)")
	var pos []string
	for rest := args; ; {
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return &usageErr{"usage: smed restore FILE.jsonl [--merge]"}
	}
	path := pos[0]
	f, err := os.Open(path)
	if err != nil {
		return &usageErr{fmt.Sprintf("restore: %v", err)}
	}
	defer f.Close()

	count, err := backup.Check(f)
	if err != nil {
		return badBackup(path, err)
	}
	a, err := newApp(ctx, e, appOptions{})
	if err != nil {
		return err
	}
	defer a.close()

	empty, err := a.store.Empty(ctx, a.team)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !empty && !*merge {
		return &usageErr{fmt.Sprintf("restore: workspace %s has customers already, and restore writes only into an empty one: "+
			"restore into another workspace (slack.team_id) or Redis, or pass --merge to add the backup to what is there "+
			"(what is there already is not doubled)", a.team)}
	}

	// Second reading: what the store would refuse, before anything is written.
	check := storage.NewBackupCheck()
	err = parts(f, func(recs []smed.Record) error {
		for _, g := range groups(recs) {
			if err := check.Add(g); err != nil {
				return err
			}
		}
		return a.store.CheckRestore(ctx, a.team, recs, *merge)
	})
	if err != nil {
		return refused(path, err)
	}
	if err := a.store.ReserveEntryIDs(ctx, a.team, check.MaxFactID()); err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	// Third reading: the restore.
	customers := 0
	err = parts(f, func(recs []smed.Record) error {
		if err := a.store.Restore(ctx, a.team, recs, *merge); err != nil {
			return err
		}
		for _, r := range recs {
			if r.Kind == smed.RecordCustomer {
				customers++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("restore %s: %w (%s restored before the failure; restore the same file again with --merge to finish: what is there is not doubled)",
			path, err, plural(customers, "customer"))
	}
	verb := "restored"
	if *merge {
		verb = "merged"
	}
	fmt.Fprintf(e.stdout, "%s %s (%s) from %s into workspace %s\n", verb, plural(customers, "customer"), plural(count, "record"), path, a.team)
	return nil
}

// parts reads the file from the start and hands it over in parts of whole
// customers.
func parts(f *os.File, do func([]smed.Record) error) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var part []smed.Record
	customers := 0
	for g, err := range backup.Customers(f) {
		if err != nil {
			return err
		}
		part = append(part, g...)
		customers++
		if customers >= restoreCustomers || len(part) >= restoreRecords {
			if err := do(part); err != nil {
				return err
			}
			part, customers = nil, 0
		}
	}
	if len(part) > 0 {
		return do(part)
	}
	return nil
}

// groups splits a part into its customers.
func groups(recs []smed.Record) [][]smed.Record {
	var out [][]smed.Record
	start := 0
	for i := 1; i <= len(recs); i++ {
		if i == len(recs) || recs[i].Kind == smed.RecordCustomer {
			out = append(out, recs[start:i])
			start = i
		}
	}
	return out
}

// badBackup reports a file that is not a valid backup: every bad line by
// number. Nothing was written.
func badBackup(path string, err error) error {
	var probs backup.Problems
	if !errors.As(err, &probs) {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	lines := make([]string, len(probs))
	for i, p := range probs {
		lines[i] = fmt.Sprintf("  %s: line %d: %s", path, p.Line, strings.ReplaceAll(p.Err.Error(), "\n", "; "))
	}
	return &usageErr{fmt.Sprintf("restore: %s is not a valid backup (%s), nothing was restored:\n%s",
		path, plural(len(probs), "bad line"), strings.Join(lines, "\n"))}
}

// refused reports a backup the store would not take as a whole. Nothing was
// written.
func refused(path string, err error) error {
	if errors.Is(err, smed.ErrInvalid) || errors.Is(err, smed.ErrConflict) {
		return &usageErr{fmt.Sprintf("restore: %s cannot be restored here, nothing was restored: %v", path, err)}
	}
	return fmt.Errorf("restore %s: %w (nothing was restored)", path, err)
}

// writeFile writes a file the whole way or not at all: into a temporary file
// next to path (readable by its owner only: it holds what the team knows),
// synced, then renamed over path. A failure leaves path as it was, and says
// so. op names the command in errors.
func writeFile(op, path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return &usageErr{fmt.Sprintf("%s: cannot write next to %s: %v", op, path, err)}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("%s: %w (nothing written to %s)", op, err, path)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w (nothing written to %s)", op, err, path)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w (nothing written to %s)", op, err, path)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
