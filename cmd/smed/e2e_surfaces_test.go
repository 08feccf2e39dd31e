package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed"
)

// The Slack surfaces beyond the command, through the real binary as Slack
// sends them: App Home (event callbacks, retries), the message shortcut
// (message_action, block_suggestion, view_submission) and Home's buttons.

// event posts a signed event_callback, with X-Slack-Retry-Num when retry > 0.
func (h *e2e) event(eventID string, retry int, inner map[string]any) (int, string) {
	h.t.Helper()
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": h.team, "api_app_id": "A0SMED", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
		"authorizations": []any{map[string]any{"team_id": h.team, "user_id": "UBOT", "is_bot": true}},
	})
	resp, body := h.post("/slack/events", "application/json", string(b), func(req *http.Request, body string) {
		h.signed(req, body)
		if retry > 0 {
			req.Header.Set("X-Slack-Retry-Num", fmt.Sprint(retry))
			req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
	})
	return resp.StatusCode, body
}

// payload posts a signed interaction payload.
func (h *e2e) payload(p map[string]any) (int, string) {
	h.t.Helper()
	b, _ := json.Marshal(p)
	resp, body := h.post("/slack/interactions", "application/x-www-form-urlencoded", "payload="+url.QueryEscape(string(b)), h.signed)
	return resp.StatusCode, body
}

func TestE2EAppHome(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.importCSV("Nordlys Møbler,"+alice+",250000,30,"+daysAgo(40)+",prefers calls",
		"Kobber & Co,"+alice+",90000,30,"+daysAgo(2)+",",
		"Bobs Own,"+bob+",1000000,30,"+daysAgo(40)+",")
	opened := map[string]any{"type": "app_home_opened", "user": alice, "channel": "D" + alice, "tab": "home", "event_ts": "1.2"}
	for retry := range 2 { // Slack's retry of the same delivery changes nothing
		if code, _ := h.event("EvHOME1", retry, opened); code != http.StatusOK {
			t.Fatalf("app_home_opened: HTTP %d", code)
		}
	}
	if !h.slack.WaitFor(5*time.Second, func() bool { return len(h.slack.Calls("views.publish")) > 0 }) {
		t.Fatal("no views.publish after app_home_opened")
	}
	pubs := h.slack.Calls("views.publish")
	view := pubs[0].Params.Get("view")
	if pubs[0].Params.Get("user_id") != alice || !strings.Contains(view, "Nordlys Møbler") || strings.Contains(view, "Bobs Own") {
		t.Fatalf("published Home: user %s, view %s", pubs[0].Params.Get("user_id"), view)
	}
	order(t, "alice's Home", view, "Nordlys Møbler", "Kobber")
	contains(t, "alice's Home", view, "250,000", "1,250,000 at risk")

	h.event("EvHOME2", 0, opened) // opened again, nothing changed: not published again (counted below)

	// Snooze from Home: answered at once, then Home is published again.
	nordlys := h.idOf("Nordlys Møbler")
	code, _ := h.payload(map[string]any{
		"type": "block_actions", "team": map[string]any{"id": h.team}, "user": map[string]any{"id": alice},
		"container": map[string]any{"type": "view", "view_id": "VHOME"}, "trigger_id": h.triggerID(),
		"view":    map[string]any{"id": "VHOME", "type": "home"},
		"actions": []any{map[string]any{"action_id": "snooze_7d", "block_id": "bhome", "value": nordlys, "type": "button"}},
	})
	if code != http.StatusOK {
		t.Fatalf("snooze from Home: HTTP %d", code)
	}
	if !h.slack.WaitFor(5*time.Second, func() bool { return len(h.slack.Calls("views.publish")) == 2 }) {
		t.Fatal("Home was not published again after Snooze from Home")
	}
	pubs = h.slack.Calls("views.publish")
	if len(pubs) != 2 {
		t.Errorf("%d views.publish: want 2 (the first open; the snooze), not one for the retry or the unchanged second open", len(pubs))
	}
	contains(t, "Home after the snooze", pubs[len(pubs)-1].Params.Get("view"), "none overdue")
}

func TestE2ESaveMessageShortcut(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, `note "Nordlys Møbler" first call`)
	trigger := h.triggerID()
	code, _ := h.payload(map[string]any{
		"type": "message_action", "callback_id": "save_customer_note", "trigger_id": trigger,
		"team": map[string]any{"id": h.team}, "user": map[string]any{"id": alice},
		"channel":      map[string]any{"id": "C0SHARED", "name": "nordlys-shared"},
		"message_ts":   "1700000000.000200",
		"message":      map[string]any{"type": "message", "user": "U0KARIN", "ts": "1700000000.000200", "text": "Karin from Nordlys Møbler here: we want 40 chairs &amp; a sofa"},
		"response_url": h.slack.ResponseURL("shortcut"),
	})
	if code != http.StatusOK {
		t.Fatalf("message_action: HTTP %d", code)
	}
	var view map[string]any
	if !h.slack.WaitFor(3*time.Second, func() bool {
		for _, c := range h.slack.Calls("views.open") {
			if c.OK() && c.Params.Get("trigger_id") == trigger {
				_ = json.Unmarshal([]byte(c.Params.Get("view")), &view)
				return true
			}
		}
		return false
	}) {
		t.Fatal("no views.open within the trigger's 3 seconds")
	}
	raw, _ := json.Marshal(view)
	contains(t, "the shortcut's modal", string(raw), "Save as customer note", h.idOf("Nordlys Møbler"), "40 chairs")

	// Type-ahead through block_suggestion.
	code, body := h.payload(map[string]any{"type": "block_suggestion", "action_id": "customer_pick", "block_id": "customer",
		"value": "nordl", "team": map[string]any{"id": h.team}, "user": map[string]any{"id": alice}, "view": view})
	if code != http.StatusOK || !strings.Contains(body, h.idOf("Nordlys Møbler")) || !strings.Contains(body, "Nordlys Møbler") {
		t.Fatalf("block_suggestion: HTTP %d %s", code, body)
	}

	submit := func(id, text string) (int, string) {
		v := map[string]any{}
		for k, x := range view {
			v[k] = x
		}
		v["state"] = map[string]any{"values": map[string]any{
			"customer": map[string]any{"customer_pick": map[string]any{"type": "external_select", "selected_option": optionOrNil(id)}},
			"note":     map[string]any{"note_text": map[string]any{"type": "plain_text_input", "value": text}},
		}}
		return h.payload(map[string]any{"type": "view_submission", "team": map[string]any{"id": h.team},
			"user": map[string]any{"id": alice}, "view": v})
	}
	if code, body := submit("", "we want 40 chairs"); code != http.StatusOK || !strings.Contains(body, `"customer"`) || !strings.Contains(body, "errors") {
		t.Errorf("submission without a customer: HTTP %d %s, want an error on the customer field", code, body)
	}
	if code, body := submit(h.idOf("Nordlys Møbler"), "we want 40 chairs & a sofa"); code != http.StatusOK || strings.Contains(body, "errors") {
		t.Fatalf("submission: HTTP %d %s", code, body)
	}
	card := h.known("Nordlys Møbler")
	contains(t, "the card after saving the message", card, "we want 40 chairs", "saved by", "fake.slack.com/archives/C0SHARED/p1700000000000200")
}

func optionOrNil(id string) any {
	if id == "" {
		return nil
	}
	return map[string]any{"value": id, "text": map[string]any{"type": "plain_text", "text": "x"}}
}

// An owner left the workspace: the digest lists their accounts with a Take
// over button, a colleague clicks it and the account is theirs, with the
// change in its history; a second click changes nothing more.
func TestE2ETakeOverFromDigest(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	const dave = "U0DAVE"
	h.slack.SetDeleted(dave, true)
	if r := h.importCSV("Orphan Oy," + dave + ",400000,30," + daysAgo(50) + ","); r.code != 0 {
		t.Fatalf("import: %v", r)
	}
	h.start()
	h.mustRun("digest", "--channel", digest)
	posts := h.slack.Posts(digest)
	if len(posts) == 0 {
		t.Fatal("no digest posted")
	}
	id := h.idOf("Orphan Oy")
	var found bool
	for _, p := range posts {
		if regexp.MustCompile(`"action_id":"take_over"[^}]*"value":"` + id + `"|"value":"` + id + `"[^}]*"action_id":"take_over"`).MatchString(p.Params.Get("blocks")) {
			found = true
		}
	}
	if !found {
		t.Fatalf("the digest has no Take over button for Orphan Oy (%s):\n%s", id, posts[0].Params.Get("blocks"))
	}
	for i, rid := range []string{"take1", "take2"} {
		code, body, took := h.interact(h.blockAction(h.team, carol, "take_over", id, digest, posts[0].TS, rid))
		if code != http.StatusOK || took > 3*time.Second {
			t.Fatalf("take over click %d: HTTP %d in %v: %s", i+1, code, took, body)
		}
		if !h.slack.WaitFor(5*time.Second, func() bool { return h.clickAnswered(rid, digest) }) {
			t.Fatalf("take over click %d: no answer to the clicker", i+1)
		}
		h.checkAnswers(rid, digest)
	}
	first := h.slack.Responses("take1")
	if len(first) == 0 || !strings.Contains(first[0].Text(), "is yours now") {
		t.Errorf("the clicker's answer: %v", first)
	}
	card := h.known("Orphan Oy")
	contains(t, "card after the take over", card, "<@"+carol+">")
	hist := h.say(carol, `history "Orphan Oy"`)
	contains(t, "history after the take over", hist, dave, carol)
	if n := strings.Count(hist, "<@"+carol+">"); n < 1 {
		t.Errorf("history does not name the new owner:\n%s", hist)
	}
	_, es, _, err := h.store().History(t.Context(), h.team, id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	owners := 0
	for _, e := range es {
		if e.Kind == smed.EntryRevision && e.Revision.Field == "owner" {
			owners++
		}
	}
	if owners != 1 {
		t.Errorf("%d owner changes recorded for two clicks, want 1: %+v", owners, es)
	}
}
