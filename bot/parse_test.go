package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smedhq/smed"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want command
	}{
		{"", command{verb: "help"}},
		{"help note", command{verb: "help", topic: "note"}},
		{"note Acme Called Bo", command{verb: "note", cands: []smed.Candidate{
			{Name: "Acme Called", Rest: "Bo"}, {Name: "Acme", Rest: "Called Bo"}}}},
		{`note "Acme Corp" called them`, command{verb: "note", quoted: true, cands: []smed.Candidate{
			{Name: "Acme Corp", Rest: "called them"}}}},
		{"note “Acme Corp” called them", command{verb: "note", quoted: true, cands: []smed.Candidate{
			{Name: "Acme Corp", Rest: "called them"}}}},
		{"NOTE Ærø Fisk hi", command{verb: "note", cands: []smed.Candidate{
			{Name: "Ærø Fisk", Rest: "hi"}, {Name: "Ærø", Rest: "Fisk hi"}}}},
		{"note Cafe\u0301 bonjour", command{verb: "note", cands: []smed.Candidate{{Name: "Café", Rest: "bonjour"}}}},
		{"note Acme line one\nline two", command{verb: "note", cands: []smed.Candidate{
			{Name: "Acme line one", Rest: "line two"}, {Name: "Acme line", Rest: "one\nline two"}, {Name: "Acme", Rest: "line one\nline two"}}}},
		{"note Acme ping <!channel> &amp; &lt;b&gt;", command{verb: "note", cands: []smed.Candidate{
			{Name: "Acme ping @channel &", Rest: "<b>"}, {Name: "Acme ping @channel", Rest: "& <b>"},
			{Name: "Acme ping", Rest: "@channel & <b>"}, {Name: "Acme", Rest: "ping @channel & <b>"}}}},
		{"log Acme x", command{verb: "note", cands: []smed.Candidate{{Name: "Acme", Rest: "x"}}}},
		{"remember Acme prefers calls", command{verb: "remember", cands: []smed.Candidate{
			{Name: "Acme prefers", Rest: "calls"}, {Name: "Acme", Rest: "prefers calls"}}}},
		{"show acme  corp", command{verb: "show", name: "acme corp"}},
		{`show "Acme Corp"`, command{verb: "show", name: "Acme Corp", quoted: true}},
		{"history Acme Corp page 2", command{verb: "history", name: "Acme Corp", page: 2}},
		{"history Studio 54", command{verb: "history", name: "Studio 54"}},
		{"owner Acme Corp <@U123ABC|alex>", command{verb: "owner", name: "Acme Corp", arg: "U123ABC", user: "U123ABC"}},
		{"owner Acme <@U123ABC>", command{verb: "owner", name: "Acme", arg: "U123ABC", user: "U123ABC"}},
		{"owner Acme bob", command{verb: "owner", name: "Acme", arg: "bob"}}, // refused when run: maybe a name's last word
		{"value Acme Corp 1.2m", command{verb: "value", name: "Acme Corp", arg: "1.2m"}},
		{"cadence Acme 2w", command{verb: "cadence", name: "Acme", arg: "2w"}},
		{"snooze Acme 7d", command{verb: "snooze", name: "Acme", arg: "7d"}},
		{"list", command{verb: "list"}},
		{"list mine", command{verb: "list", user: "me"}},
		{"list <@U99|bo>", command{verb: "list", user: "U99"}},
		{"find renewal  quote", command{verb: "find", query: "renewal  quote"}},
		{"neglected", command{verb: "neglected"}},
		{"note 'Single Quoted' hi", command{verb: "note", quoted: true, cands: []smed.Candidate{{Name: "Single Quoted", Rest: "hi"}}}},
		{"note ‘Curly One’ hi", command{verb: "note", quoted: true, cands: []smed.Candidate{{Name: "Curly One", Rest: "hi"}}}},
		{"note O'Brien called back", command{verb: "note", cands: []smed.Candidate{
			{Name: "O'Brien called", Rest: "back"}, {Name: "O'Brien", Rest: "called back"}}}},
		{"note 'tis the season", command{verb: "note", cands: []smed.Candidate{
			{Name: "'tis the", Rest: "season"}, {Name: "'tis", Rest: "the season"}}}},
		{"stats", command{verb: "stats"}},
	}
	for _, tt := range tests {
		got, err := parse(tt.in)
		if err != nil {
			t.Errorf("parse(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(command{})); diff != "" {
			t.Errorf("parse(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, want string // want: a phrase of the message
	}{
		{"frobnicate Acme", `don't know the command "frobnicate"`},
		{"shwo Acme", "Did you mean `show`?"},
		{"note", "Which customer"},
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
		{"list a b", "one argument"},
		{"list bob", `"bob" is not a person`},
		{"find", "What should I look for?"},
		{"remember Acme", "What is the fact?"},
	}
	for _, tt := range tests {
		_, err := parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parse(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestParseTooLong(t *testing.T) {
	text := strings.Repeat("word ", 2000) // 10,000 characters
	_, err := parse("note Acme " + text)
	var tl *tooLongError
	if !errors.As(err, &tl) {
		t.Fatalf("parse of a 10,000-character note: %v, want a tooLongError", err)
	}
	if tl.text != "Acme "+strings.TrimSpace(text) {
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
// accepts for note is well formed: candidates longest first, none empty, all
// within limits.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"note Acme Called Bo", `note "Acme Corp" hi`, "note “Ærø Fisk” hej", "show acme", "owner Acme <@U1|x>",
		"value Acme 1.2m", "history X page 3", `note "unterminated`, "note <@U1|a b> c", "note <!channel> x",
		"note \u200b\u200b hi", "note a\x00b c", "list <@", "", "   ", "note \"\" x", "find «x»",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parse(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		if c.verb == "" {
			t.Fatal("accepted with no verb")
		}
		for i, cd := range c.cands {
			if strings.TrimSpace(cd.Name) == "" || strings.TrimSpace(cd.Rest) == "" {
				t.Fatalf("empty candidate %d: %+v", i, cd)
			}
			if i > 0 && len(cd.Name) >= len(c.cands[i-1].Name) {
				t.Fatalf("candidates not longest first: %+v", c.cands)
			}
		}
	})
}
