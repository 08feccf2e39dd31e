package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts /customer commands by subcommand and outcome, and times them.
type metrics struct {
	commands *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics registers the command metrics on reg; nil reg gives a metrics
// that records nothing.
func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smed_commands_total", Help: "/customer commands run, by subcommand and outcome (ok, error).",
		}, []string{"command", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "smed_command_duration_seconds", Help: "Time to run a /customer command, by subcommand.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"command"}),
	}
	reg.MustRegister(m.commands, m.duration)
	return m
}

func (m *metrics) observe(r reply, took time.Duration) {
	if m == nil {
		return
	}
	outcome := "ok"
	if r.failed {
		outcome = "error"
	}
	verb := r.verb
	if verb == "" {
		verb = "help"
	}
	m.commands.WithLabelValues(verb, outcome).Inc()
	m.duration.WithLabelValues(verb).Observe(took.Seconds())
}
