package bot

import (
	"context"
	"strings"

	"github.com/smedhq/smed/names"
)

// verb is one /customer subcommand, declared once: the parser, the runner,
// help, usage errors and the metrics label all come from its entry. Adding a
// subcommand is one entry here plus its use case in package app.
type verb struct {
	name    string
	aliases []string
	args    string // what follows the verb in the usage line
	example string // a full example, after /customer
	also    string // other forms, shown after the example
	help    string // one sentence
	writes  bool   // it changes the store (what an error may have left behind differs)
	// parse reads the words after the verb and returns what to run.
	parse func(in input) (action, error)
}

// action runs a parsed command. Errors go to present, never to the user as
// they are.
type action func(ctx context.Context, c *Commands, req Request) (reply, error)

// usage is the verb's usage line.
func (v *verb) usage() string {
	u := "/customer " + v.name
	if v.args != "" {
		u += " " + v.args
	}
	return "`" + u + "`"
}

// registry is every verb, in the order help lists them; verbs finds one by
// name or alias (lower case). Both are filled once, in init, because verbs'
// parsers refer back to them (help, usage errors).
var (
	registry []*verb
	verbs    map[string]*verb
)

func init() {
	registry = []*verb{
		verbNote, verbShow, verbRemember, verbForget, verbUndo, verbOwner, verbHandover, verbValue, verbCadence, verbSnooze,
		verbDeal, verbList, verbNeglected, verbFind, verbHistory, verbStats, verbLink, verbUnlink,
		verbRename, verbMerge, verbDelete, verbHelp,
	}
	verbs = map[string]*verb{}
	for _, v := range registry {
		for _, n := range append([]string{v.name}, v.aliases...) {
			if _, dup := verbs[n]; dup {
				panic("bot: verb name " + n + " declared twice")
			}
			verbs[n] = v
		}
	}
}

// lookupVerb finds the verb typed, or the closest one for a "did you mean".
func lookupVerb(typed string) (*verb, string) {
	low := strings.ToLower(typed)
	if v, ok := verbs[low]; ok {
		return v, ""
	}
	best, bestD := "", 3
	for _, v := range registry {
		if d := names.Distance(low, v.name, bestD); d < bestD {
			best, bestD = v.name, d
		}
	}
	if bestD <= 2 && len(low) > 2 {
		return nil, best
	}
	return nil, ""
}
