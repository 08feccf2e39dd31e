package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/smedhq/smed"
)

// The use cases answer with these errors when the user must be told something
// other than "done". They carry data, not wording: package bot decides, in one
// table, what each looks like. None of them means a write happened.

// UnknownCustomerError: no customer has that name. Suggestions are the
// near-misses of what was typed, closest first (maybe none).
type UnknownCustomerError struct {
	Name        string
	Suggestions []smed.NameRef
}

func (e *UnknownCustomerError) Error() string { return fmt.Sprintf("no customer called %q", e.Name) }

// NearMissError: a note named a customer Smed does not know, but whose name is
// close to known ones (a typo, or a prefix). Nothing was saved. Typed is the
// reading closest to a suggestion and Text the note text that follows it, so
// the answer can show the two ways on: note it on a suggestion, or quote the
// name to create a new customer.
type NearMissError struct {
	Typed       string
	Text        string
	Suggestions []smed.NameRef
}

func (e *NearMissError) Error() string {
	return fmt.Sprintf("%q is close to %d known customers", e.Typed, len(e.Suggestions))
}

// MissingTextError: the words name a known customer but nothing follows them
// ("note Acme Corp"): there is no note or fact to save.
type MissingTextError struct {
	Customer smed.NameRef
	What     string // "note" or "fact"
}

func (e *MissingTextError) Error() string {
	return fmt.Sprintf("no %s text after %q", e.What, e.Customer.Name)
}

// TooLongError: a note or fact exceeds smed.MaxTextRunes. Text is what the
// user typed, to be shown back so nothing is lost.
type TooLongError struct {
	What    string // "note" or "fact"
	Runes   int    // its length
	AtLeast bool   // Runes is a lower bound (the name's length was not known yet)
	Text    string
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("%s of %d runes is longer than %d", e.What, e.Runes, smed.MaxTextRunes)
}

// DeniedError: the rule (see Allowed) refuses the actor this action on the
// customer. Owner is the customer's owner at the time of the check.
type DeniedError struct {
	Action   Action
	Customer smed.Customer
	Owner    string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("%s of %s refused", e.Action, e.Customer.ID)
}

// UnknownOwnerError: whether the customer's owner is still in the workspace
// could not be found out, so a change only allowed when they have left was
// not made. Trying again later may work.
type UnknownOwnerError struct {
	Owner string
	Err   error
}

func (e *UnknownOwnerError) Error() string {
	return fmt.Sprintf("cannot tell whether %s is still in the workspace: %v", e.Owner, e.Err)
}
func (e *UnknownOwnerError) Unwrap() error { return e.Err }

// GoneError: a button or modal named a customer by ID that no longer exists
// (deleted, or merged into another).
type GoneError struct{ ID string }

func (e *GoneError) Error() string { return fmt.Sprintf("customer %s no longer exists", e.ID) }

// NameTakenError: a rename onto a name another customer already has.
type NameTakenError struct {
	Name     string
	Customer smed.NameRef // the customer being renamed
	Other    smed.NameRef
}

// SameCustomerError: a merge of a customer into itself.
type SameCustomerError struct{ Customer smed.NameRef }

func (e *SameCustomerError) Error() string {
	return fmt.Sprintf("merge of %s into itself", e.Customer.ID)
}

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("name %q is taken by %s", e.Name, e.Other.ID)
}

// ErrNoDigest: Neglected was asked on a Service without a Digester.
var ErrNoDigest = errors.New("app: no digest is set up")

// ErrUnsupported: the store behind this Service does not offer what the use
// case needs (linked channels, deals, undo).
var ErrUnsupported = errors.New("app: not supported by this store")

// LinkedElsewhereError: the channel is linked to another customer already (a
// channel links to at most one).
type LinkedElsewhereError struct{ Other smed.NameRef }

func (e *LinkedElsewhereError) Error() string { return "channel linked to " + e.Other.ID }

// NothingToUndoError: the actor wrote no note or fact in the last Window.
type NothingToUndoError struct{ Window time.Duration }

func (e *NothingToUndoError) Error() string { return "nothing to undo" }
