// Package reminders is Smed's scheduler side: the neglect rule (who is overdue,
// most urgent first), the reminder DMs and the team digest built from it, and a
// cron scheduler that sends them exactly once per period.
//
// It imports only the standard library, github.com/robfig/cron/v3 and the root
// package smed: no Slack, no Redis. The outside world comes in through small
// interfaces declared here and implemented elsewhere:
//
//	Store      Overdue cards, totals, owners of a team (smed.Store satisfies it)
//	Notifier   SendReminder / PostDigest (package bot renders and sends)
//	Directory  Deleted: has a user left the workspace (package bot, users.info)
//	Zones      Zone: a user's time zone, for local-time reminders (package bot,
//	           users.info tz); the engine caches it a day per user
//	smed.Guard Claim → send → Confirm / Release, one key per period (package storage)
//
// The pieces:
//
//	Overdue, Rank      the pure rule: overdue when now > DueAt; value first, then
//	                   (now-due)/cadence, then name
//	Engine.Remind      one DM per owner per local day, key "remind:<YYYY-MM-DD>:<user>"
//	WithLocalTime      the DM at reminders.local_time in each owner's own zone on
//	                   reminders.days (LocalDue), the day in the key the owner's;
//	                   reminders.schedule then only says how often to check
//	ParseTimeOfDay,    reminders.local_time ("09:00") and reminders.days
//	ParseDays          ("mon-fri", "mon,wed,fri", "sun-thu", "daily")
//	Engine.Digest      one post per digest period, key "digest:<channel>:<period>",
//	                   the period being the digest schedule's latest fire
//	Scheduler          robfig/cron with SkipIfStillRunning and Recover, plus a
//	                   catch-up at Start for a fire missed earlier the same day
//	ParseSpec          cron specs; fixed times follow the wall clock over DST
//
// Time is a parameter of everything but the Scheduler, which reads the clock.
//
// Local time: each check serves the owners for whom, in their zone, today is
// one of the days and the clock has passed local_time, each once per local day
// (the guard key carries the owner's date), listing what was overdue at that
// local time. Only the current local day is served: a day missed entirely
// (process down) is not made up the next day. A local_time in a spring-forward
// gap is served at the jump; on a fall-back day at the first of the two times.
//
// DST: robfig/cron v3.0.1 skips a whole day when the fire time falls in a
// spring-forward gap (02:30 on the night Europe/Copenhagen jumps 02:00→03:00)
// and fires twice when it falls in the repeated hour of a fall-back night.
// ParseSpec wraps fixed-time specs (see WallClock) to fire at the jump instead,
// and once; the per-day and per-period guard keys stop any double regardless.
//
// Failures: a failed send releases its claim and is retried by the next run
// (next fire, restart catch-up, or `smed remind`); Remind and Digest carry on
// with the rest and return a Summary and an error naming what failed.
package reminders
