package bot

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's limits for one message (https://api.slack.com/reference/block-kit).
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxFallback    = 3000 // keep the notification text short; blocks carry the rest
)

// reply is what a command answers, independent of how it is shown: Block Kit for
// Slack, plain text for the shell. Text in it is Slack mrkdwn in which every
// piece of user text has been escaped with esc.
type reply struct {
	fallback string // the message's top-level text (notifications, old clients)
	parts    []part
	failed   bool   // an error reply (for metrics and logs)
	verb     string // the subcommand that produced it (for metrics)
	// openNote asks the transport to open the note modal instead of
	// showing anything (/customer note with no text, typed in Slack).
	openNote bool
}

type partKind int

const (
	partSection partKind = iota
	partHeader
	partContext
	partDivider
	partButtons
)

type part struct {
	kind      partKind
	text      string
	buttons   []button
	accessory *button // a section's button beside its text
}

type button struct {
	actionID, value, label, style string
}

func (b button) element() *slack.ButtonBlockElement {
	btn := slack.NewButtonBlockElement(b.actionID, b.value, slack.NewTextBlockObject(slack.PlainTextType, truncate(b.label, 75), false, false))
	if b.style != "" {
		btn.Style = slack.Style(b.style)
	}
	return btn
}

func (r *reply) header(s string)  { r.parts = append(r.parts, part{kind: partHeader, text: s}) }
func (r *reply) section(s string) { r.parts = append(r.parts, part{kind: partSection, text: s}) }

// sectionWith is a section with a button beside its text.
func (r *reply) sectionWith(s string, b button) {
	r.parts = append(r.parts, part{kind: partSection, text: s, accessory: &b})
}
func (r *reply) context(s string) { r.parts = append(r.parts, part{kind: partContext, text: s}) }
func (r *reply) divider()         { r.parts = append(r.parts, part{kind: partDivider}) }
func (r *reply) buttons(bs ...button) {
	r.parts = append(r.parts, part{kind: partButtons, buttons: bs})
}
func textReply(fallback string) reply {
	return reply{fallback: fallback, parts: []part{{text: fallback}}}
}
func errorReply(msg string) reply           { r := textReply(msg); r.failed = true; return r }
func (r reply) withFallback(s string) reply { r.fallback = s; return r }

// Slack's three escapes, both ways. Replacers are built once: building one
// costs more than using it.
var (
	escaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// esc escapes user text for mrkdwn: &, < and > (Slack's only control
// characters), so "<!channel>" in a note is shown, never sent as a ping.
func esc(s string) string {
	return escaper.Replace(s)
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), func(c rune) bool { return c == '&' }) + "…"
}

// blocks renders the reply as a message's Block Kit within Slack's limits:
// long sections are cut, and past 50 blocks the rest is summarised in a last
// context block.
func (r reply) blocks() []slack.Block { return r.blocksUpTo(maxBlocks) }

// blocksUpTo renders the reply in at most n blocks (a message takes 50, a
// view 100).
func (r reply) blocksUpTo(n int) []slack.Block {
	var out []slack.Block
	for i, p := range r.parts {
		if len(out) == n-1 && i < len(r.parts)-1 {
			out = append(out, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "… more not shown.", false, false)))
			break
		}
		switch p.kind {
		case partHeader:
			// Kept escaped: whether or not Slack decodes entities in
			// plain_text, a typed <!channel> can never become a ping.
			out = append(out, slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, safeCut(p.text, 150), false, false)))
		case partSection:
			var acc *slack.Accessory
			if p.accessory != nil {
				acc = slack.NewAccessory(p.accessory.element())
			}
			out = append(out, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, safeCut(p.text, maxSectionText), false, false), nil, acc))
		case partContext:
			out = append(out, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, safeCut(p.text, maxSectionText), false, false)))
		case partDivider:
			out = append(out, slack.NewDividerBlock())
		case partButtons:
			var els []slack.BlockElement
			for _, b := range p.buttons {
				els = append(els, b.element())
			}
			out = append(out, slack.NewActionBlock("", els...))
		}
	}
	return out
}

// safeCut truncates escaped mrkdwn without splitting an entity such as &amp;.
func safeCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(cut), '&'); i >= 0 && !strings.Contains(string(cut)[i:], ";") {
		return string(cut)[:i] + "…"
	}
	return string(cut) + "…"
}

// fallbackText is the reply's top-level text, never empty (Slack refuses an
// empty message).
func (r reply) fallbackText() string {
	if r.fallback != "" {
		return safeCut(r.fallback, maxFallback)
	}
	for _, p := range r.parts {
		if p.text != "" {
			return safeCut(p.text, maxFallback)
		}
	}
	return "Smed"
}

var (
	mrkdwnUser   = regexp.MustCompile(`<@([A-Za-z0-9._-]+)>`)
	mrkdwnLink   = regexp.MustCompile(`<([^|>]+)\|([^>]+)>`)
	mrkdwnItalic = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
	mrkdwnStrike = regexp.MustCompile(`(^|[\s(])~([^~\n]+)~`)
	// emoji are the codes Smed's own replies use, as a terminal shows them.
	emoji = strings.NewReplacer(
		":memo: ", "📝 ", ":pushpin: ", "📌 ", ":thinking_face: ", "🤔 ", ":large_green_circle: ", "🟢 ",
		":red_circle: ", "🔴 ", ":zzz: ", "💤 ", ":tada: ", "🎉 ", ":warning: ", "⚠️ ", ":moneybag: ", "💰 ",
		":calendar: ", "📅 ", ":handshake: ", "🤝 ", ":alarm_clock: ", "⏰ ", ":white_check_mark: ", "✅ ",
		":hourglass_flowing_sand: ", "⏳ ", ":wastebasket: ", "🗑️ ", ":label: ", "🏷️ ",
		":twisted_rightwards_arrows: ", "🔀 ", ":leftwards_arrow_with_hook: ", "↩️ ", ":link: ", "🔗 ", ":speech_balloon: ", "💬 ", ":heart: ", "❤️ ", ":shopping_trolley: ", "🛒 ",
		":bust_in_silhouette: ", "👤 ", ":hourglass: ", "⌛ ", ":rotating_light: ", "🚨 ", ":chart_with_upwards_trend: ", "📈 ")
	// mrkdwnMarks are the formatting characters a terminal shows as noise.
	mrkdwnMarks = strings.NewReplacer("```", "", "*", "", "`", "")
)

// unescape turns escaped mrkdwn back into readable text (for headers and the shell).
func unescape(s string) string {
	s = mrkdwnUser.ReplaceAllString(s, "@$1")
	s = mrkdwnLink.ReplaceAllString(s, "$2 ($1)")
	return unescaper.Replace(s)
}

// plain renders the reply as readable text for a terminal: emoji as glyphs,
// mentions as @name, no mrkdwn marks, and no buttons (nothing to click there;
// replies that have buttons also say what to type instead).
func (r reply) plain() string {
	var b strings.Builder
	for _, p := range r.parts {
		switch p.kind {
		case partHeader:
			t := unescape(p.text)
			b.WriteString(t + "\n" + strings.Repeat("=", utf8.RuneCountInString(t)) + "\n")
		case partSection:
			b.WriteString(terminalText(p.text) + "\n")
		case partContext:
			b.WriteString("  " + strings.ReplaceAll(terminalText(p.text), "\n", "\n  ") + "\n")
		case partDivider:
			b.WriteString("---\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// terminalText turns one piece of escaped mrkdwn into plain text. A * or `
// that a user typed is dropped along with Smed's own formatting: the terminal
// has no way to tell them apart.
func terminalText(s string) string {
	s = emoji.Replace(s)
	s = mrkdwnItalic.ReplaceAllString(s, "$1$2")
	s = mrkdwnStrike.ReplaceAllString(s, "$1$2")
	s = mrkdwnMarks.Replace(s)
	return unescape(s)
}
