package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// SchedulerConfig says what the Scheduler runs. The zone and the digest
// schedule are the Engine's, so that scheduled and manual runs agree on days
// and periods.
type SchedulerConfig struct {
	Team string // Slack team ID the runs act on
	// RemindSpec is reminders.schedule, e.g. "0 9 * * 1-5" or "@every 10s":
	// when the reminders go out or, on an engine WithLocalTime, how often to
	// check whose local time has come (DefaultCheckSpec, "*/5 * * * *").
	RemindSpec    string
	DigestChannel string // digest.channel; "" = no digest
	// Observe, when set, is told what every scheduled run did ("remind" or
	// "digest"): the metrics of sends and failures.
	Observe func(job string, sum Summary, err error)
}

// Scheduler runs the engine's reminders and digest on their cron schedules.
type Scheduler struct {
	e       *Engine
	cfg     SchedulerConfig
	log     *slog.Logger
	cron    *cron.Cron
	jobs    []scheduled
	catchUp sync.WaitGroup
}

type scheduled struct {
	name  string
	sched cron.Schedule
	id    cron.EntryID
}

// NewScheduler checks the specs and builds the cron. A bad spec is an error
// naming its configuration key; so is a digest channel on an engine without
// WithDigestSchedule.
func NewScheduler(e *Engine, cfg SchedulerConfig, log *slog.Logger) (*Scheduler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	remind, err := ParseSpec(cfg.RemindSpec, e.loc)
	if err != nil {
		return nil, fmt.Errorf("reminders.schedule: %w", err)
	}
	if e.local != nil {
		// Checks, not sends: every instant the spec names, as robfig/cron has
		// it. WallClock's one fire per wall time would leave out the repeated
		// hour of a fall-back night, an hour without checks when some owner's
		// 09:00 may fall in it; the spring gap holds no instants to miss.
		remind, _ = cron.ParseStandard(cfg.RemindSpec)
		if gap := maxGap(remind, time.Now().In(e.loc)); gap > time.Hour {
			log.Warn("reminders.schedule checks rarely for reminders.local_time: DMs may come that much after the owner's local time",
				"schedule", cfg.RemindSpec, "longest_gap", gap.String(), "local_time", e.local.at.String(), "recommended", DefaultCheckSpec)
		}
	}
	if cfg.DigestChannel != "" && e.digest == nil {
		return nil, fmt.Errorf("digest.schedule: not set (reminders.WithDigestSchedule) but digest.channel is %q", cfg.DigestChannel)
	}
	l := cronLogger{log}
	// Skip outside Recover: in the other order a panic skips Skip's unlock and
	// the job never runs again (robfig/cron v3.0.1).
	c := cron.New(cron.WithLocation(e.loc), cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)), cron.WithLogger(l))
	s := &Scheduler{e: e, cfg: cfg, log: log, cron: c}
	s.jobs = append(s.jobs, scheduled{name: "remind", sched: remind})
	if cfg.DigestChannel != "" {
		s.jobs = append(s.jobs, scheduled{name: "digest", sched: e.digest})
	}
	return s, nil
}

// Start schedules the jobs, runs them on ctx, and catches up: a job whose
// latest fire was earlier today (in the engine's zone) runs now, so a process
// that was down at 09:00 still sends the day's reminders when it comes back
// at 11:00. The guards make the catch-up a no-op when that fire was already
// served by this or another process. With local time the reminders check runs
// at Start whatever the schedule: it serves the owners whose local time came
// today while the process was down (only today: see LocalDue). Call Start once.
func (s *Scheduler) Start(ctx context.Context) {
	for i := range s.jobs {
		j := &s.jobs[i]
		j.id = s.cron.Schedule(j.sched, cron.FuncJob(s.runner(ctx, j.name)))
	}
	s.cron.Start()
	now := time.Now()
	for _, j := range s.jobs {
		p := prevFire(j.sched, now)
		local := j.name == "remind" && s.e.local != nil
		if !local && (p.IsZero() || dayKey(p, s.e.loc) != dayKey(now, s.e.loc)) {
			continue
		}
		s.log.Info("scheduler: catching up", "job", j.name, "missed", p)
		// The wrapped job shares the cron chain, so a fire due meanwhile is
		// skipped rather than run alongside.
		run := s.cron.Entry(j.id).WrappedJob
		s.catchUp.Go(run.Run)
	}
}

// Stop stops scheduling and waits for running jobs, catch-ups included, to
// finish. Cancel Start's ctx first to cut them short.
func (s *Scheduler) Stop() {
	<-s.cron.Stop().Done()
	s.catchUp.Wait()
}

func (s *Scheduler) runner(ctx context.Context, name string) func() {
	team := s.cfg.Team
	if name == "digest" {
		return func() {
			_, sum, err := s.e.Digest(ctx, team, s.cfg.DigestChannel, time.Now())
			s.report(name, sum, err)
		}
	}
	return func() {
		_, sum, err := s.e.Remind(ctx, team, time.Now())
		s.report(name, sum, err)
	}
}

func (s *Scheduler) report(job string, sum Summary, err error) {
	if s.cfg.Observe != nil {
		s.cfg.Observe(job, sum, err)
	}
	if err != nil {
		s.log.Error("scheduler: run failed", "job", job, "team_id", s.cfg.Team, "sent", sum.Sent, "skipped", sum.Skipped, "failed", sum.Failed, "err", err)
		return
	}
	level := slog.LevelInfo
	if job == "remind" && s.e.local != nil && sum.Sent == 0 && sum.Departed == 0 {
		level = slog.LevelDebug // a check every few minutes that found nothing to send
	}
	s.log.Log(context.Background(), level, "scheduler: run done", "job", job, "team_id", s.cfg.Team, "sent", sum.Sent, "skipped", sum.Skipped, "departed", sum.Departed, "not_due", sum.NotDue)
}

// maxGap is the longest time between two fires of s in the week after from
// (as far as 3,000 fires reach; a spec that fires more often than that has no
// gap worth a warning).
func maxGap(s cron.Schedule, from time.Time) time.Duration {
	if cd, ok := s.(cron.ConstantDelaySchedule); ok {
		return cd.Delay
	}
	var gap time.Duration
	end := from.Add(7 * 24 * time.Hour)
	prev := s.Next(from)
	for range 3000 {
		if prev.IsZero() || prev.After(end) {
			break
		}
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		gap = max(gap, next.Sub(prev))
		prev = next
	}
	return gap
}

// cronLogger sends robfig/cron's logging to slog; its chatter goes to Debug.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
