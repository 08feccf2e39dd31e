package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smedhq/smed/internal/slacktest"
)

var viewSeq atomic.Int64

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// blockAction is a block_actions payload as Slack sends it when user clicks
// the button actionID (with value) on the message ts in channel.
func (h *e2e) blockAction(team, user, actionID, value, channel, ts, responseID string) string {
	label := map[string]string{"snooze_7d": "Snooze 7 days", "log_note": "Log note"}[actionID]
	p := map[string]any{
		"type":                  "block_actions",
		"team":                  map[string]any{"id": team, "domain": "e2e"},
		"user":                  map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": team},
		"api_app_id":            "A0SMED",
		"token":                 "legacy-verification-token",
		"container":             map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
		"trigger_id":            h.triggerID(),
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": channel, "name": "directmessage"},
		"message":               map[string]any{"type": "message", "ts": ts, "text": "reminder", "bot_id": "BFAKE", "user": "UBOT"},
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          h.slack.ResponseURL(responseID),
		"actions": []any{map[string]any{
			"action_id": actionID, "block_id": "b" + actionID, "value": value, "type": "button",
			"text":      map[string]any{"type": "plain_text", "text": label, "emoji": true},
			"action_ts": fmt.Sprintf("%d.000200", time.Now().Unix()),
		}},
	}
	b, _ := json.Marshal(p)
	return string(b)
}

func (h *e2e) triggerID() string {
	return fmt.Sprintf("%d.%d.e2etrigger%d", time.Now().Unix(), 98765, h.seq.Add(1))
}

// viewSubmission is a view_submission payload for view (as smed opened it)
// with the note field holding text.
func viewSubmission(team, user string, view map[string]any, text string) string {
	v := map[string]any{}
	for k, val := range view {
		v[k] = val
	}
	if _, ok := v["id"]; !ok { // one view per submission, unless the view says which
		v["id"] = fmt.Sprintf("V0E2E%d", viewSeq.Add(1))
	}
	v["team_id"], v["hash"] = team, "1700000000.abc"
	v["state"] = map[string]any{"values": map[string]any{
		"note": map[string]any{"note_text": map[string]any{"type": "plain_text_input", "value": text}},
	}}
	p := map[string]any{
		"type":                  "view_submission",
		"team":                  map[string]any{"id": team, "domain": "e2e"},
		"user":                  map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": team},
		"api_app_id":            "A0SMED",
		"token":                 "legacy-verification-token",
		"trigger_id":            "1.2.submit",
		"view":                  v,
		"response_urls":         []any{},
		"is_enterprise_install": false,
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// interact posts a signed interaction payload and returns the HTTP answer.
func (h *e2e) interact(payload string) (int, string, time.Duration) {
	h.t.Helper()
	start := time.Now()
	resp, body := h.post("/slack/interactions", "application/x-www-form-urlencoded", "payload="+url.QueryEscape(payload), h.signed)
	return resp.StatusCode, body, time.Since(start)
}

// snoozedUntil reads the stored snooze of a customer through the store, to
// compare two clicks exactly (the card shows only the day).
func (h *e2e) snoozedUntil(name string) time.Time {
	h.t.Helper()
	c, err := h.store().Customer(context.Background(), h.team, h.idOf(name))
	if err != nil {
		h.t.Fatalf("read %s: %v", name, err)
	}
	return c.SnoozedUntil
}

// The buttons of a reminder DM: Snooze 7 days and Log note (with its modal).
func TestE2EInteractions(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	if r := h.importCSV(
		"Acme,"+alice+",90000,30,"+daysAgo(60)+",prefers calls",
		"Beta,"+alice+",50000,30,"+daysAgo(60)+",",
	); r.code != 0 {
		t.Fatalf("import: %v", r)
	}
	h.mustRun("remind")
	dms := h.slack.DMCalls(alice)
	if len(dms) != 1 {
		t.Fatalf("want 1 reminder DM to alice, got %d", len(dms))
	}
	dm := dms[0]
	dmTS := h.postedTS(dm.Channel())
	buttons := actionIDs(dm.Params.Get("blocks"))
	acme, beta := h.idOf("Acme"), h.idOf("Beta")
	for _, want := range []string{"snooze_7d=" + acme, "log_note=" + acme, "snooze_7d=" + beta, "log_note=" + beta} {
		if !buttons[want] {
			t.Errorf("reminder DM: want button %s (buttons carry customer IDs), have %v", want, buttons)
		}
	}

	t.Run("Snooze 7 days, twice", func(t *testing.T) {
		payload := h.blockAction(h.team, alice, "snooze_7d", acme, dm.Channel(), dmTS, "snooze1")
		code, body, took := h.interact(payload)
		if code != http.StatusOK || took > 3*time.Second {
			t.Fatalf("snooze click: HTTP %d in %v: %s", code, took, body)
		}
		if !h.slack.WaitFor(5*time.Second, func() bool { return h.clickAnswered("snooze1", dm.Channel()) }) {
			t.Errorf("snooze click: no answer to the clicker (response_url, chat.postEphemeral or chat.update of the DM) within 5s")
		}
		h.checkAnswers("snooze1", dm.Channel())
		// The answer comes after the write, so the card shows it now.
		contains(t, "card after the snooze click", h.known("Acme"), "snoozed")
		first := h.snoozedUntil("Acme")
		if first.IsZero() {
			t.Fatalf("no snooze after the click")
		}

		code, body, _ = h.interact(h.blockAction(h.team, alice, "snooze_7d", acme, dm.Channel(), dmTS, "snooze2"))
		if code != http.StatusOK {
			t.Fatalf("second snooze click: HTTP %d %s", code, body)
		}
		if !h.slack.WaitFor(5*time.Second, func() bool { return h.clickAnswered("snooze2", dm.Channel()) }) {
			t.Fatalf("second snooze click: no answer within 5s")
		}
		if second := h.snoozedUntil("Acme"); !second.Equal(first) {
			t.Errorf("double click moved the snooze: %v, then %v", first, second)
		}
		dry := h.mustRun("remind", "--dry-run")
		lacks(t, "remind --dry-run after the snooze", dry.stdout, "Acme")
		contains(t, "remind --dry-run after the snooze", dry.stdout, "Beta")
	})

	t.Run("Log note opens the modal, submitting logs the note", func(t *testing.T) {
		payload := h.blockAction(h.team, alice, "log_note", beta, dm.Channel(), dmTS, "lognote")
		var sent map[string]any
		_ = json.Unmarshal([]byte(payload), &sent)
		trigger := sent["trigger_id"].(string)
		code, body, took := h.interact(payload)
		if code != http.StatusOK || took > 3*time.Second {
			t.Fatalf("log note click: HTTP %d in %v: %s", code, took, body)
		}
		var open []string
		if !h.slack.WaitFor(5*time.Second, func() bool {
			for _, c := range h.slack.Calls("views.open") {
				if c.OK() && c.Params.Get("trigger_id") == trigger {
					return true
				}
			}
			return false
		}) {
			for _, c := range h.slack.Calls("views.open") {
				open = append(open, c.Params.Get("trigger_id")+" "+c.Error)
			}
			t.Fatalf("log note click: no views.open with trigger_id %s within 5s (calls: %v)", trigger, open)
		}
		var view map[string]any
		for _, c := range h.slack.Calls("views.open") {
			if c.Params.Get("trigger_id") == trigger {
				_ = json.Unmarshal([]byte(c.Params.Get("view")), &view)
			}
		}
		if view["callback_id"] != "smed_log_note" {
			t.Errorf("modal callback_id = %v, want smed_log_note", view["callback_id"])
		}
		var meta map[string]string
		if err := json.Unmarshal([]byte(fmt.Sprint(view["private_metadata"])), &meta); err != nil || meta["c"] != beta {
			t.Errorf("modal private_metadata = %v, want JSON with Beta's ID %s", view["private_metadata"], beta)
		}
		if strings.Contains(fmt.Sprint(view["private_metadata"]), "Beta") {
			t.Errorf("modal private_metadata carries the customer's name: %v", view["private_metadata"])
		}

		// An empty submission keeps the modal open with an error on the field.
		code, body, _ = h.interact(viewSubmission(h.team, alice, view, "   "))
		var errs struct {
			Action string            `json:"response_action"`
			Errors map[string]string `json:"errors"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &errs) != nil || errs.Action != "errors" || errs.Errors["note"] == "" {
			t.Errorf("empty submission: HTTP %d %q, want response_action errors on block note", code, body)
		}

		code, body, took = h.interact(viewSubmission(h.team, alice, view, "Lunch with the CFO & <!here>"))
		if code != http.StatusOK || took > 3*time.Second || strings.Contains(body, "errors") {
			t.Fatalf("submission: HTTP %d in %v: %s", code, took, body)
		}
		card := h.known("Beta")
		contains(t, "card after the modal", card, "Lunch with the CFO")
		lacks(t, "card after the modal", card, "<!here>")
		updated := func() bool {
			for _, c := range h.slack.Calls("chat.update") {
				if c.OK() && c.Channel() == dm.Channel() && strings.Contains(c.Text(), "Beta") && strings.Contains(strings.ToLower(c.Text()), "logged") {
					return true
				}
			}
			return false
		}
		if !h.slack.WaitFor(5*time.Second, updated) {
			t.Errorf("the reminder DM was not updated with \"Note logged on Beta\" after the modal")
		}
		h.checkAnswers("lognote", dm.Channel())
	})

	t.Run("the same modal for a customer that is gone", func(t *testing.T) {
		meta, _ := json.Marshal(map[string]string{"c": "0123456789ab", "ch": dm.Channel(), "ts": dmTS})
		view := map[string]any{"type": "modal", "callback_id": "smed_log_note", "private_metadata": string(meta)}
		code, body, _ := h.interact(viewSubmission(h.team, alice, view, "hello"))
		if code != http.StatusOK || !strings.Contains(body, "errors") {
			t.Errorf("submission for an unknown customer: HTTP %d %q, want response_action errors", code, body)
		}
		h.unknown(`"Vanished Ltd"`)
	})
}

// postedTS is the ts of the latest message the fake accepted in channel.
func (h *e2e) postedTS(channel string) string {
	ts := ""
	for _, c := range h.slack.Posts(channel) {
		ts = c.TS
	}
	return ts
}

// clickAnswered reports whether a click got an answer: a response_url post,
// an ephemeral message, or an update of the message in channel.
func (h *e2e) clickAnswered(responseID, channel string) bool {
	if len(h.slack.Responses(responseID)) > 0 || len(h.slack.Calls("chat.postEphemeral")) > 0 {
		return true
	}
	for _, c := range h.slack.Calls("chat.update") {
		if c.Channel() == channel {
			return true
		}
	}
	return false
}

// checkAnswers fails when Slack refused an answer to a click, or it shows
// internals.
func (h *e2e) checkAnswers(responseID, channel string) {
	h.t.Helper()
	var cs []slacktest.Call
	cs = append(cs, h.slack.Responses(responseID)...)
	cs = append(cs, h.slack.Calls("chat.postEphemeral")...)
	cs = append(cs, h.slack.Calls("chat.update")...)
	for _, c := range cs {
		if !c.OK() {
			h.t.Errorf("%s answering a click: Slack refused it (HTTP %d, %s): %s", c.Method, c.Status, c.Error, clipText(string(c.Body)))
		}
		if m := internalRE.FindString(c.Text()); m != "" {
			h.t.Errorf("%s answering a click shows internals (%q): %s", c.Method, m, c.Text())
		}
	}
}

// actionIDs lists the buttons of blocks as "action_id=value".
func actionIDs(blocks string) map[string]bool {
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal([]byte(blocks), &bs)
	out := map[string]bool{}
	for _, b := range bs {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			out[e.ActionID+"="+e.Value] = true
		}
	}
	return out
}
