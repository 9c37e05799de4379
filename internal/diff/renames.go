package diff

// Rename is one body field that the comparison found renamed: a field
// removed and a field added in the same object whose names differ only in
// naming style (access_token and accessToken). It is the structured form of
// the request-property-renamed and response-property-renamed findings, for
// code that must translate between the two documents rather than report.
type Rename struct {
	// Operation is the method and the path template with parameter names
	// blanked, "POST /{}/v1/auth/signin", so it matches whatever the
	// parameters are called in either document.
	Operation string
	Request   bool   // a request body field; else a response field
	Status    string // the new document's status code of the response ("" for requests)
	// Parent is the path of the object holding the field, as findings spell
	// it: "" for the top level, "data[]" inside the items of data.
	Parent string
	From   string // the old document's name
	To     string // the new document's name
}

// Renames lists the body fields renamed between old and new, operation by
// operation, an object's own fields before those nested in it.
func Renames(oldSpec, newSpec *Spec) []Rename {
	c := &comparer{pairs: map[pairID]*pairDiff{}}
	c.specs(oldSpec, newSpec)
	return c.renames
}

// SameName reports whether two field names are one name in different
// naming styles (snake_case, camelCase, kebab-case), the test the
// comparison uses to call a removed and an added field a rename.
func SameName(a, b string) bool { return normName(a) == normName(b) }
