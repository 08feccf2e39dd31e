package bot

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

// maxViewBlocks is Slack's limit of blocks in a Home tab or modal view.
const maxViewBlocks = 100

// homes remembers, per user, a digest of the Home view last published, so an
// identical view is not published again (every app_home_opened would
// otherwise cost a views.publish). Per process: another replica publishes it
// once more at most.
type homes struct {
	mu   sync.Mutex
	last map[string][32]byte // team + "/" + user → sha256 of the view
}

func (h *homes) changed(key string, sum [32]byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last[key] != sum
}

func (h *homes) published(key string, sum [32]byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil {
		h.last = map[string][32]byte{}
	}
	if len(h.last) > 100_000 { // bounded: forget everyone rather than grow
		clear(h.last)
	}
	h.last[key] = sum
}

// appHomeOpened publishes the user's Home when they open its tab.
func (b *Bot) appHomeOpened(ctx context.Context, team string, ev slackevents.EventsAPIInnerEvent) {
	e, ok := ev.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || e.Tab != "home" || e.User == "" {
		return
	}
	b.publishHome(ctx, team, e.User)
}

// publishHome builds the user's Home and publishes it unless it is the view
// Slack already shows.
func (b *Bot) publishHome(ctx context.Context, team, user string) {
	h, err := b.svc.Home(ctx, app.Actor{Team: team, User: user})
	if err != nil {
		b.log.WarnContext(ctx, "app home not built", "team_id", team, "user_id", user, "err", err)
		return
	}
	view := homeView(h, user, b.cmds.amount)
	raw, _ := json.Marshal(view)
	sum, key := sha256.Sum256(raw), team+"/"+user
	if !b.homes.changed(key, sum) {
		return
	}
	if _, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		b.log.WarnContext(ctx, "views.publish failed", "team_id", team, "user_id", user, "err", err)
		return
	}
	b.homes.published(key, sum)
}

// homeView is a user's Home: their accounts most urgent first, each with its
// due state, value and last contact and the Log note / Snooze 7 days buttons,
// under a line with their and the team's value at risk. Two blocks an
// account, so at most app.HomeMax of them and Slack's 100 blocks in all.
func homeView(h app.Home, user string, amount func(int64) string) slack.HomeTabViewRequest {
	var r reply
	r.header("Your accounts")
	mine, team := h.Mine, h.Team
	switch {
	case mine.Total == 0:
		r.section("You own no accounts yet. A note on a new customer makes you its owner: `/customer note <customer> <what was said>`.")
	case mine.Overdue == 0:
		r.section(fmt.Sprintf(":large_green_circle: *%s*, none overdue. Nobody is waiting to hear from you.", plural(mine.Total, "account")))
	default:
		r.section(fmt.Sprintf(":red_circle: *%s* of your %s: *%s* at risk. Most urgent first.",
			plural(mine.Overdue, "overdue account"), plural(mine.Total, "account"), amount(mine.AtRisk)))
	}
	if team.Total > 0 {
		r.context(fmt.Sprintf("The team: %s at risk in %s, of %s.", amount(team.AtRisk), plural(team.Overdue, "overdue account"), plural(team.Total, "account")))
	}
	if len(mine.Customers) > 0 {
		r.divider()
	}
	for _, c := range mine.Customers {
		r.section(homeLine(c, h))
		r.buttons(
			button{actionID: actionLogNote, value: c.ID, label: "Log note", style: "primary"},
			button{actionID: actionSnooze, value: c.ID, label: "Snooze 7 days"},
		)
	}
	if more := mine.Total - len(mine.Customers); more > 0 {
		r.context(fmt.Sprintf("… and %d more, less urgent. All of them: `/customer list mine`.", more))
	}
	blocks := r.blocksUpTo(maxViewBlocks)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "smed_home"}
}

// homeLine is one account on Home.
func homeLine(c smed.Customer, h app.Home) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* · %s · %s", esc(c.Name), dueLine(c, h.Now), smed.FormatAmount(c.Worth()))
	if !c.LastContactAt.IsZero() {
		fmt.Fprintf(&b, "\nLast contact %s", relDay(c.LastContactAt, h.Now))
		if c.LastContactBy != "" {
			b.WriteString(" by " + owner(c.LastContactBy))
		}
	} else {
		b.WriteString("\nNever contacted")
	}
	return b.String()
}
