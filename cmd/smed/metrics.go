package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/reminders"
)

// slackCalls counts Slack Web API calls by method and result: "ok", the
// Slack error code of an ok:false answer, "http_<status>" for anything but
// 200, or "transport" when no answer came.
type slackCalls struct {
	next  http.RoundTripper
	calls *prometheus.CounterVec
}

func newSlackCalls(reg prometheus.Registerer, next http.RoundTripper) *slackCalls {
	c := &slackCalls{next: next, calls: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "smed_slack_api_calls_total", Help: "Slack Web API calls, by method and result (ok, a Slack error code, http_<status>, transport).",
	}, []string{"method", "result"})}
	if reg != nil {
		reg.MustRegister(c.calls)
	}
	return c
}

// maxPeek bounds how much of an answer is read to find its "ok" and "error".
const maxPeek = 1 << 20

func (c *slackCalls) RoundTrip(r *http.Request) (*http.Response, error) {
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if !strings.Contains(method, ".") { // response_url posts and anything else
		method = "other"
	}
	resp, err := c.next.RoundTrip(r)
	switch {
	case err != nil:
		c.calls.WithLabelValues(method, "transport").Inc()
		return resp, err
	case resp.StatusCode != http.StatusOK:
		c.calls.WithLabelValues(method, "http_"+strconv.Itoa(resp.StatusCode)).Inc()
		return resp, nil
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxPeek))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	result := "ok"
	var v struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if rerr == nil && json.Unmarshal(body, &v) == nil && v.OK != nil && !*v.OK {
		result = v.Error
		if len(result) > 40 || result == "" {
			result = "error"
		}
	}
	c.calls.WithLabelValues(method, result).Inc()
	return resp, nil
}

// jobMetrics counts what scheduled reminder and digest runs sent and failed.
type jobMetrics struct {
	sends *prometheus.CounterVec
}

func newJobMetrics(reg prometheus.Registerer) *jobMetrics {
	m := &jobMetrics{sends: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "smed_sends_total", Help: "Reminder DMs and digests, by job (remind, digest) and outcome (sent, skipped, failed, unsure: may have been delivered, not sent again).",
	}, []string{"job", "outcome"})}
	reg.MustRegister(m.sends)
	return m
}

func (m *jobMetrics) observe(job string, sum reminders.Summary, _ error) {
	m.sends.WithLabelValues(job, "sent").Add(float64(sum.Sent))
	m.sends.WithLabelValues(job, "skipped").Add(float64(sum.Skipped))
	m.sends.WithLabelValues(job, "failed").Add(float64(sum.Failed))
	m.sends.WithLabelValues(job, "unsure").Add(float64(sum.Unsure))
}

// teamFigures exposes the team's overdue count and value at risk as gauges,
// read from the store when scraped (at most every cacheFor; a read costs what
// /customer stats costs).
type teamFigures struct {
	svc  *app.Service
	team string

	mu      sync.Mutex
	at      time.Time
	overdue float64
	atRisk  float64
	ok      bool

	overdueDesc, atRiskDesc *prometheus.Desc
}

const figuresCacheFor = 30 * time.Second

func newTeamFigures(svc *app.Service, team string) *teamFigures {
	labels := prometheus.Labels{"team_id": team}
	return &teamFigures{svc: svc, team: team,
		overdueDesc: prometheus.NewDesc("smed_overdue_customers", "Customers overdue now.", nil, labels),
		atRiskDesc:  prometheus.NewDesc("smed_value_at_risk", "Summed value of the customers overdue now.", nil, labels),
	}
}

func (f *teamFigures) Describe(ch chan<- *prometheus.Desc) {
	ch <- f.overdueDesc
	ch <- f.atRiskDesc
}

func (f *teamFigures) Collect(ch chan<- prometheus.Metric) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.at) > figuresCacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		r, err := f.svc.Figures(ctx, f.team)
		cancel()
		f.ok = err == nil
		if f.ok {
			f.overdue, f.atRisk, f.at = float64(r.Overdue), float64(r.AtRisk), time.Now()
		}
	}
	if !f.ok { // unknown: no sample rather than a wrong one
		return
	}
	ch <- prometheus.MustNewConstMetric(f.overdueDesc, prometheus.GaugeValue, f.overdue)
	ch <- prometheus.MustNewConstMetric(f.atRiskDesc, prometheus.GaugeValue, f.atRisk)
}
