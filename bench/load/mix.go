package main

import "fmt"

// A mix says what each request's command text is. Request numbers n count
// from 0 within a run; setup requests (creating the known customers) are not
// numbered with them.
type mix interface {
	// setup is the command that creates the i-th pre-existing customer.
	setup(i uint64) (string, error)
	// command is the text of request n.
	command(n uint64) (string, error)
}

// knownMix: every note names one of the customers created in setup, unquoted,
// as a user types it ("note Kavelut Møbler Called Bo …"), so Smed resolves it
// by the longest known prefix.
type knownMix struct {
	customers uint64
	seed      uint64
}

func (m knownMix) setup(i uint64) (string, error) {
	name, err := customerName(i, m.seed)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("note %q First meeting, introduced by a partner.", name), nil
}

func (m knownMix) command(n uint64) (string, error) {
	name, err := customerName(mix64(n^0x5eed)%m.customers, m.seed)
	if err != nil {
		return "", err
	}
	return "note " + name + " " + noteText(n), nil
}

// createMix: every note names a customer nobody has mentioned, unquoted
// ("note Tilekos Fisk Called Bo …"), so Smed takes the path a new name takes:
// no known prefix, the "did you mean" check, and a create of the first word
// (see names.go). The customers made in setup are single brand words, the
// names such notes create, so the near-miss check has a book to look at.
type createMix struct {
	customers uint64
	seed      uint64
}

func (m createMix) setup(i uint64) (string, error) {
	b, err := brand(i, m.seed)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("note %q First meeting, introduced by a partner.", b), nil
}

func (m createMix) command(n uint64) (string, error) {
	name, err := customerName(m.customers+n, m.seed)
	if err != nil {
		return "", err
	}
	return "note " + name + " " + noteText(n), nil
}

func newMix(name string, customers, seed uint64) (mix, error) {
	switch name {
	case "known":
		if customers == 0 {
			return nil, fmt.Errorf("-mix known needs -customers > 0")
		}
		return knownMix{customers: customers, seed: seed}, nil
	case "create":
		return createMix{customers: customers, seed: seed}, nil
	}
	return nil, fmt.Errorf("-mix %q: want known or create", name)
}
