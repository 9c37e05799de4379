package diff

import "fmt"

// The keywords here constrain a value beside its type and fields:
// additionalProperties, not and if/then/else. Each is compared by what it
// lets through, in the direction that matters: what a server now refuses
// in requests, what a client may now receive in responses.

// openness is how much an object accepts beyond the fields it lists.
type openness int

const (
	openObject        openness = iota // absent, true or {}: anything
	constrainedObject                 // a schema every extra field must match
	closedObject                      // false: nothing
)

func opennessOf(s *schema) openness {
	switch {
	case s.closed:
		return closedObject
	case s.addl != nil && !isAnything(s.addl):
		return constrainedObject
	}
	return openObject
}

// isAnything: a schema that accepts every value, as `{}` does.
func isAnything(s *schema) bool {
	return len(s.types) == 0 && s.format == "" && len(s.enum) == 0 && len(s.props) == 0 && len(s.required) == 0 &&
		s.items == nil && len(s.oneOf) == 0 && !s.closed && s.addl == nil && s.not == nil && s.cond == nil &&
		s.dynRef == "" && s.limits == (limits{})
}

func addlText(s *schema) string {
	switch opennessOf(s) {
	case closedObject:
		return "false"
	case constrainedObject:
		return altName(s.addl)
	}
	return "true"
}

// additionalProperties: closing an object refuses the extra fields clients
// were free to send; opening one lets a response carry fields that strict
// clients (generated models that refuse unknown fields) reject.
func (sc *schemaComparer) additionalProperties(o, n *schema) {
	was, is := opennessOf(o), opennessOf(n)
	if was == constrainedObject && is == constrainedObject {
		sc.pd.link(".*", sc.c.pair(o.addl, n.addl, sc.dir))
		return
	}
	change := fmt.Sprintf("additionalProperties %s → %s", addlText(o), addlText(n))
	switch {
	case is > was && sc.dir == dirRequest:
		sc.add(RequestObjectClosed, "", "%s accepts fewer extra fields: %s", label, change)
	case is > was:
		sc.add(ResponseObjectClosed, "", "%s carries fewer extra fields: %s", label, change)
	case is < was && sc.dir == dirRequest:
		sc.add(RequestObjectOpened, "", "%s accepts more extra fields: %s", label, change)
	case is < was:
		sc.add(ResponseObjectOpened, "", "%s may now carry extra fields: %s", label, change)
	}
}

// sameShape: two subschemas that constrain alike as far as a shallow look
// tells (the same component, or the same fingerprint).
func sameShape(a, b *schema) bool {
	return a.ref != "" && a.ref == b.ref || fingerprint(a) == fingerprint(b)
}

func onlyValues(s *schema) bool {
	return len(s.enum) > 0 && len(s.props) == 0 && s.items == nil && len(s.oneOf) == 0
}

// not: a new exclusion refuses values clients could send; a dropped one
// lets responses through that clients were told could not occur. An
// exclusion of listed values (not: {enum: [...]}) compares value by value,
// as an enum does.
func (sc *schemaComparer) not(o, n *schema) {
	req := sc.dir == dirRequest
	switch {
	case o.not == nil && n.not == nil:
	case o.not == nil && req:
		sc.add(RequestPropertyNotAdded, "", "%s must now not match %s", label, altName(n.not))
	case o.not == nil:
		sc.add(ResponsePropertyNotAdded, "", "%s now never matches %s", label, altName(n.not))
	case n.not == nil && req:
		sc.add(RequestPropertyNotRemoved, "", "%s no longer has to avoid %s", label, altName(o.not))
	case n.not == nil:
		sc.add(ResponsePropertyNotRemoved, "", "%s no longer promises not to match %s", label, altName(o.not))
	case onlyValues(o.not) && onlyValues(n.not):
		unexcluded, excluded := enumDiff(o.not.enum, n.not.enum)
		if req {
			if len(excluded) > 0 {
				sc.add(RequestPropertyEnumValueRemoved, "", "%s no longer accepts %s", label, quoteList(excluded))
			}
			if len(unexcluded) > 0 {
				sc.add(RequestPropertyEnumValueAdded, "", "%s now also accepts %s", label, quoteList(unexcluded)).values = unexcluded
			}
			return
		}
		if len(unexcluded) > 0 {
			sc.add(ResponsePropertyEnumValueAdded, "", "%s may now be %s", label, quoteList(unexcluded))
		}
		if len(excluded) > 0 {
			sc.add(ResponsePropertyEnumValueRemoved, "", "%s is no longer %s", label, quoteList(excluded))
		}
	case sameShape(o.not, n.not):
	case req:
		sc.add(RequestPropertyNotChanged, "", "%s must now not match %s instead of %s", label, altName(n.not), altName(o.not))
	default:
		sc.add(ResponsePropertyNotChanged, "", "%s now avoids %s instead of %s", label, altName(n.not), altName(o.not))
	}
}

// conditions compares if/then/else. With the same `if`, the branches are
// compared as schemas of the same value; a branch that appears adds
// constraints, one that goes away drops them.
func (sc *schemaComparer) conditions(o, n *schema) {
	oc, nc := o.cond, n.cond
	switch {
	case oc == nil && nc == nil:
	case oc == nil:
		sc.conditionAddedOrDropped(true, "if "+altName(nc.ifs))
	case nc == nil:
		sc.conditionAddedOrDropped(false, "if "+altName(oc.ifs))
	case !sameShape(oc.ifs, nc.ifs):
		rule := ResponsePropertyConditionChanged
		if sc.dir == dirRequest {
			rule = RequestPropertyConditionChanged
		}
		sc.add(rule, "", "%s: the if of its if/then/else changed from %s to %s", label, altName(oc.ifs), altName(nc.ifs))
	default:
		sc.conditionBranch("then", oc.ifs, oc.then, nc.then)
		sc.conditionBranch("else", oc.ifs, oc.els, nc.els)
	}
}

func (sc *schemaComparer) conditionBranch(word string, ifs, o, n *schema) {
	switch {
	case o != nil && n != nil:
		sc.pd.link("", sc.c.pair(o, n, sc.dir))
	case n != nil:
		sc.conditionAddedOrDropped(true, fmt.Sprintf("%s %s (if %s)", word, altName(n), altName(ifs)))
	case o != nil:
		sc.conditionAddedOrDropped(false, fmt.Sprintf("%s %s (if %s)", word, altName(o), altName(ifs)))
	}
}

func (sc *schemaComparer) conditionAddedOrDropped(added bool, what string) {
	switch {
	case added && sc.dir == dirRequest:
		sc.add(RequestPropertyConditionAdded, "", "%s must now meet the condition %s", label, what)
	case added:
		sc.add(ResponsePropertyConditionAdded, "", "%s now meets the condition %s", label, what)
	case sc.dir == dirRequest:
		sc.add(RequestPropertyConditionRemoved, "", "%s no longer has to meet the condition %s", label, what)
	default:
		sc.add(ResponsePropertyConditionRemoved, "", "%s no longer promises the condition %s", label, what)
	}
}
