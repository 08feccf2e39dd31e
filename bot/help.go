package bot

import (
	"fmt"
	"strings"
)

// usageFor is the usage line and an example for a subcommand, or a pointer to help.
func usageFor(name string) string {
	v, ok := verbs[name]
	if !ok {
		return "Type `/customer help` to see what I can do."
	}
	return "Usage: " + v.usage() + "\nFor example: " + exampleOf(v)
}

func exampleOf(v *verb) string {
	ex := "`/customer " + v.example + "`"
	if v.also != "" {
		ex += " (" + v.also + ")"
	}
	return ex
}

func helpReply(topic string) reply {
	var r reply
	if v, ok := verbs[topic]; ok {
		r.section("*" + v.name + "*: " + v.help + "\n" + v.usage() + "\nFor example: " + exampleOf(v))
		return r
	}
	if topic != "" {
		r.section(fmt.Sprintf("I don't know the command “%s”. Here is what I can do:", esc(topic)))
	}
	r.header("Smed: what your team knows about its customers")
	var b strings.Builder
	names := make([]string, 0, len(registry))
	for _, v := range registry {
		line := v.usage() + ": " + v.help + "\n"
		if b.Len()+len(line) > maxSectionText-100 { // one section holds 3,000 characters
			r.section(strings.TrimRight(b.String(), "\n"))
			b.Reset()
		}
		b.WriteString(line)
		names = append(names, v.name)
	}
	r.section(strings.TrimRight(b.String(), "\n"))
	r.section("*Names:* type them as you like: case, accents and extra spaces do not matter. " +
		"A name with spaces can be quoted (`\"Acme Corp\"`) or typed plainly once the customer is known. " +
		"Quote a new name to create it even when it looks like a known one.")
	r.context("Examples: `/customer note \"Acme Corp\" Called Bo about renewal` · `/customer show acme corp` · `/customer value Acme Corp 1.2m` · `/customer list mine`")
	r.fallback = "Smed help: /customer " + strings.Join(names, ", ")
	return r
}
