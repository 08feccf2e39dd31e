package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

// inputOf tokenizes a command the way parse does and returns its verb's input.
func inputOf(t *testing.T, text string) input {
	t.Helper()
	toks, err := tokenize(text)
	if err != nil {
		t.Fatalf("tokenize(%q): %v", text, err)
	}
	v, _ := lookupVerb(toks[0].raw)
	if v == nil {
		t.Fatalf("no verb in %q", text)
	}
	return input{verb: v.name, text: text, args: toks[1:]}
}

func TestReadings(t *testing.T) {
	tests := []struct {
		in     string
		want   []smed.Candidate
		quoted bool
	}{
		{"note Acme Called Bo", []smed.Candidate{{Name: "Acme Called", Rest: "Bo"}, {Name: "Acme", Rest: "Called Bo"}}, false},
		{`note "Acme Corp" called them`, []smed.Candidate{{Name: "Acme Corp", Rest: "called them"}}, true},
		{"note “Acme Corp” called them", []smed.Candidate{{Name: "Acme Corp", Rest: "called them"}}, true},
		{"NOTE Ærø Fisk hi", []smed.Candidate{{Name: "Ærø Fisk", Rest: "hi"}, {Name: "Ærø", Rest: "Fisk hi"}}, false},
		{"note Cafe\u0301 bonjour", []smed.Candidate{{Name: "Café", Rest: "bonjour"}}, false},
		{"note Acme line one\nline two", []smed.Candidate{
			{Name: "Acme line one", Rest: "line two"}, {Name: "Acme line", Rest: "one\nline two"}, {Name: "Acme", Rest: "line one\nline two"}}, false},
		{"note Acme ping <!channel> &amp; &lt;b&gt;", []smed.Candidate{
			{Name: "Acme ping @channel &", Rest: "<b>"}, {Name: "Acme ping @channel", Rest: "& <b>"},
			{Name: "Acme ping", Rest: "@channel & <b>"}, {Name: "Acme", Rest: "ping @channel & <b>"}}, false},
		{"log Acme x", []smed.Candidate{{Name: "Acme", Rest: "x"}}, false},
		{"remember Acme prefers calls", []smed.Candidate{{Name: "Acme prefers", Rest: "calls"}, {Name: "Acme", Rest: "prefers calls"}}, false},
		{"note 'Single Quoted' hi", []smed.Candidate{{Name: "Single Quoted", Rest: "hi"}}, true},
		{"note ‘Curly One’ hi", []smed.Candidate{{Name: "Curly One", Rest: "hi"}}, true},
		{"note O'Brien called back", []smed.Candidate{{Name: "O'Brien called", Rest: "back"}, {Name: "O'Brien", Rest: "called back"}}, false},
		{"note 'tis the season", []smed.Candidate{{Name: "'tis the", Rest: "season"}, {Name: "'tis", Rest: "the season"}}, false},
		// Punctuation right after a name is not part of it; a colon ends it.
		{"note Nordlys Møbler: Karin confirmed", []smed.Candidate{{Name: "Nordlys Møbler", Rest: "Karin confirmed"}}, false},
		{"note Acme, Bo called", []smed.Candidate{{Name: "Acme, Bo", Rest: "called"}, {Name: "Acme", Rest: "Bo called"}}, false},
	}
	for _, tt := range tests {
		in := inputOf(t, tt.in)
		what := map[string]string{"note": "note", "remember": "fact"}[in.verb]
		got, quoted, err := named(in, what)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" || quoted != tt.quoted {
			t.Errorf("%q: quoted %v (want %v), readings (-want +got):\n%s", tt.in, quoted, tt.quoted, diff)
		}
	}
}

// A person is only ever a real mention: the bug where "owner Acme USA" gave
// Acme to a user called USA.
func TestOnlyMentionsArePeople(t *testing.T) {
	for raw, want := range map[string]string{"<@U123ABC|alex>": "U123ABC", "<@U123ABC>": "U123ABC", "<@alice>": "alice"} {
		if got, ok := mention(raw); !ok || got != want {
			t.Errorf("mention(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	for _, raw := range []string{"USA", "U123ABC", "@U123ABC", "@bob", "<@>", "<#C1|general>", "<@U1 x>"} {
		if got, ok := mention(raw); ok {
			t.Errorf("mention(%q) = %q: a plain word became a person", raw, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, want string // want: a phrase of the message
	}{
		{"frobnicate Acme", `don't know the command "frobnicate"`},
		{"shwo Acme", "Did you mean `show`?"},
		{"note Acme", "What is the note?"},
		{`note "Acme Corp"`, "The note is empty"},
		{`note "Acme Corp   `, "never closed"},
		{`note "" hi`, "name is empty"},
		{"note " + strings.Repeat("x", 101) + " hi", "at most 100 characters"},
		{"show", "Which customer?"},
		{"owner Acme", "I need a customer and a person"},
		{"stats now", "takes no arguments"},
		{"value Acme", "an amount"},
		{"history Acme page zero", `"zero" is not a page number`},
		{"list bob", `"bob" is not something I can list by`},
		{"find", "What should I look for?"},
		{"remember Acme", "What is the fact?"},
		{"rename Acme", "rename &lt;customer&gt; to &lt;new name&gt;"},
		{"merge Acme Beta", "merge &lt;duplicate&gt; into &lt;customer&gt;"},
	}
	for _, tt := range tests {
		_, _, err := parse(tt.in, time.Now())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parse(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestParseTooLong(t *testing.T) {
	text := strings.Repeat("word ", 2000) // 10,000 characters
	_, _, err := parse("note Acme "+text, time.Now())
	var tl *app.TooLongError
	if !errors.As(err, &tl) {
		t.Fatalf("parse of a 10,000-character note: %v, want a TooLongError", err)
	}
	if tl.Text != "Acme "+strings.TrimSpace(text) {
		t.Error("the rejected text is not kept for the reply")
	}
}

func TestPlain(t *testing.T) {
	tests := map[string]string{
		"<@U1|bob> and <@U2>":        "@bob and @U2",
		"<!channel> <!here|@here>":   "@channel @here",
		"<#C1|general>":              "#general",
		"<https://x.io|x.io> &amp; ": "https://x.io & ",
		"&lt;!channel&gt;":           "<!channel>",
		"<!subteam^S1|@team>":        "@team",
	}
	for in, want := range tests {
		if got := plain(in); got != want {
			t.Errorf("plain(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParse checks that no input makes the parser panic, and that whatever it
// accepts for note is well formed: readings longest first, none empty, all
// within limits.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"note Acme Called Bo", `note "Acme Corp" hi`, "note “Ærø Fisk” hej", "show acme", "owner Acme <@U1|x>",
		"value Acme 1.2m", "history X page 3", `note "unterminated`, "note <@U1|a b> c", "note <!channel> x",
		"note \u200b\u200b hi", "note a\x00b c", "list <@", "", "   ", "note \"\" x", "find «x»",
		"note Nordlys Møbler: Karin", "value Kobber & Co 250 000", "rename a to b to c", "merge x into y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, run, err := parse(s, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		if v == nil || run == nil {
			t.Fatal("accepted with no verb")
		}
		toks, _ := tokenize(s)
		if len(toks) < 2 || (v.name != "note" && v.name != "remember") {
			return
		}
		cands, _, err := named(input{verb: v.name, text: s, args: toks[1:]}, "note")
		if err != nil {
			t.Fatalf("parse accepted %q but its readings fail: %v", s, err)
		}
		for i, cd := range cands {
			if strings.TrimSpace(cd.Name) == "" || strings.TrimSpace(cd.Rest) == "" {
				t.Fatalf("empty reading %d: %+v", i, cd)
			}
			if i > 0 && len(cd.Name) >= len(cands[i-1].Name) {
				t.Fatalf("readings not longest first: %+v", cands)
			}
		}
	})
}
