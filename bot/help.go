package bot

import (
	"fmt"
	"strings"
)

// usage lines per subcommand, with an example each.
var usages = map[string][2]string{
	"note":      {"`/customer note <customer> <what was said>`", "`/customer note \"Acme Corp\" Called Bo about the renewal; wants a quote by Friday`"},
	"show":      {"`/customer show <customer>`", "`/customer show acme corp`"},
	"remember":  {"`/customer remember <customer> <lasting fact>`", "`/customer remember Acme Corp prefers calls before 10`"},
	"owner":     {"`/customer owner <customer> @someone`", "`/customer owner Acme Corp @alex`"},
	"value":     {"`/customer value <customer> <amount>`", "`/customer value Acme Corp 120k` (also 120000, 1.2m)"},
	"cadence":   {"`/customer cadence <customer> <N>d|<N>w`", "`/customer cadence Acme Corp 2w`"},
	"snooze":    {"`/customer snooze <customer> <N>d`", "`/customer snooze Acme Corp 14d` (`off` ends it)"},
	"list":      {"`/customer list [mine|@someone]`", "`/customer list mine`"},
	"neglected": {"`/customer neglected`", "`/customer neglected`"},
	"find":      {"`/customer find <words>`", "`/customer find renewal`"},
	"history":   {"`/customer history <customer> [page N]`", "`/customer history Acme Corp page 2`"},
	"stats":     {"`/customer stats`", "`/customer stats`"},
	"help":      {"`/customer help [command]`", "`/customer help note`"},
}

var helpText = map[string]string{
	"note":      "Log a conversation. It resets the customer's clock. A new name creates the customer with you as owner; a name close to a known one asks first.",
	"show":      "The customer's card: owner, value, cadence, last contact, facts and latest notes.",
	"remember":  "A lasting fact, shown at the top of the card and in reminders.",
	"owner":     "Hand the customer over to someone.",
	"value":     "What the customer is worth (lifetime value or potential). Reminders rank by it.",
	"cadence":   "How often the customer should hear from us.",
	"snooze":    "No reminders for the customer for a while.",
	"list":      "Accounts, most urgent first.",
	"neglected": "Overdue accounts across the team, ranked by value at risk.",
	"find":      "Search names, facts and notes.",
	"history":   "Every note about the customer, newest first.",
	"stats":     "Coverage, value at risk and notes per person.",
	"help":      "This help.",
}

// usageFor is the usage line and an example for a subcommand, or a pointer to help.
func usageFor(verb string) string {
	u, ok := usages[verb]
	if !ok {
		return "Type `/customer help` to see what I can do."
	}
	return "Usage: " + u[0] + "\nFor example: " + u[1]
}

func helpReply(topic string) reply {
	if a, ok := aliases[topic]; ok {
		topic = a
	}
	var r reply
	if u, ok := usages[topic]; ok {
		r.section("*" + topic + "*: " + helpText[topic] + "\n" + u[0] + "\nFor example: " + u[1])
		return r
	}
	if topic != "" {
		r.section(fmt.Sprintf("I don't know the command “%s”. Here is what I can do:", esc(topic)))
	}
	r.header("Smed: what your team knows about its customers")
	var b strings.Builder
	for _, v := range verbs {
		b.WriteString(usages[v][0] + ": " + helpText[v] + "\n")
	}
	r.section(strings.TrimRight(b.String(), "\n"))
	r.section("*Names:* type them as you like: case, accents and extra spaces do not matter. " +
		"A name with spaces can be quoted (`\"Acme Corp\"`) or typed plainly once the customer is known. " +
		"Quote a new name to create it even when it looks like a known one.")
	r.context("Examples: `/customer note \"Acme Corp\" Called Bo about renewal` · `/customer show acme corp` · `/customer value Acme Corp 1.2m` · `/customer list mine`")
	r.fallback = "Smed help: /customer note, show, remember, owner, value, cadence, snooze, list, neglected, find, history, stats"
	return r
}
