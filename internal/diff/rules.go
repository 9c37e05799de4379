package diff

// Rule is one named check. Ids are stable: accept files and CI filters key
// on them, so a rule may be reworded but never renamed.
type Rule struct {
	ID      string
	Level   Level
	Summary string
}

// Rule ids.
const (
	OperationRemoved                 = "operation-removed"
	OperationRemovedAfterDeprecation = "operation-removed-after-deprecation"
	OperationAdded                   = "operation-added"
	OperationDeprecated              = "operation-deprecated"
	OperationIDChanged               = "operation-id-changed"

	SecurityRequirementAdded   = "security-requirement-added"
	SecurityRequirementRemoved = "security-requirement-removed"
	SecurityRequirementChanged = "security-requirement-changed"

	TokenMovedToHeader               = "request-token-moved-to-authorization-header"
	RequestParameterRemoved          = "request-parameter-removed"
	RequestParameterAddedRequired    = "request-parameter-added-required"
	RequestParameterAddedOptional    = "request-parameter-added-optional"
	RequestParameterBecameRequired   = "request-parameter-became-required"
	RequestParameterBecameOptional   = "request-parameter-became-optional"
	RequestParameterRenamed          = "request-parameter-renamed"
	RequestParameterTypeChanged      = "request-parameter-type-changed"
	RequestParameterEnumValueRemoved = "request-parameter-enum-value-removed"
	RequestParameterEnumValueAdded   = "request-parameter-enum-value-added"
	PathParameterRenamed             = "path-parameter-renamed"

	RequestBodyAddedRequired  = "request-body-added-required"
	RequestBodyAddedOptional  = "request-body-added-optional"
	RequestBodyBecameRequired = "request-body-became-required"
	RequestBodyRemoved        = "request-body-removed"
	RequestMediaTypeRemoved   = "request-media-type-removed"

	RequestPropertyAddedRequired       = "request-property-added-required"
	RequestPropertyAddedOptional       = "request-property-added-optional"
	RequestPropertyBecameRequired      = "request-property-became-required"
	RequestPropertyBecameOptional      = "request-property-became-optional"
	RequestPropertyRemoved             = "request-property-removed"
	RequestPropertyRenamed             = "request-property-renamed"
	RequestPropertyTypeChanged         = "request-property-type-changed"
	RequestPropertyEnumValueRemoved    = "request-property-enum-value-removed"
	RequestPropertyEnumValueAdded      = "request-property-enum-value-added"
	RequestPropertyConstraintTightened = "request-property-constraint-tightened"
	RequestOneOfAlternativeRemoved     = "request-oneof-alternative-removed"
	RequestObjectClosed                = "request-object-closed"
	RequestObjectOpened                = "request-object-opened"
	RequestPropertyNotAdded            = "request-property-not-added"
	RequestPropertyNotChanged          = "request-property-not-changed"
	RequestPropertyNotRemoved          = "request-property-not-removed"
	RequestPropertyConditionAdded      = "request-property-condition-added"
	RequestPropertyConditionChanged    = "request-property-condition-changed"
	RequestPropertyConditionRemoved    = "request-property-condition-removed"
	RequestOneOfAlternativeAdded       = "request-oneof-alternative-added"

	ResponseSuccessStatusRemoved            = "response-success-status-removed"
	ResponseStatusRemoved                   = "response-non-success-status-removed"
	ResponseStatusAdded                     = "response-status-added"
	ResponseMediaTypeRemoved                = "response-media-type-removed"
	ResponseBodyRemoved                     = "response-body-removed"
	ResponseBodyAdded                       = "response-body-added"
	ResponsePropertyRemoved                 = "response-property-removed"
	ResponsePropertyRemovedAfterDeprecation = "response-property-removed-after-deprecation"
	ResponsePropertyRenamed                 = "response-property-renamed"
	ResponsePropertyBecameOptional          = "response-property-became-optional"
	ResponsePropertyBecameRequired          = "response-property-became-required"
	ResponsePropertyBecameNullable          = "response-property-became-nullable"
	ResponsePropertyAdded                   = "response-property-added"
	ResponsePropertyTypeChanged             = "response-property-type-changed"
	ResponsePropertyEnumValueAdded          = "response-property-enum-value-added"
	ResponsePropertyEnumValueRemoved        = "response-property-enum-value-removed"
	ResponsePropertyConstraintLoosened      = "response-property-constraint-loosened"
	ResponseOneOfAlternativeAdded           = "response-oneof-alternative-added"
	ResponseOneOfAlternativeRemoved         = "response-oneof-alternative-removed"
	ResponseObjectOpened                    = "response-object-opened"
	ResponseObjectClosed                    = "response-object-closed"
	ResponsePropertyNotRemoved              = "response-property-not-removed"
	ResponsePropertyNotChanged              = "response-property-not-changed"
	ResponsePropertyNotAdded                = "response-property-not-added"
	ResponsePropertyConditionRemoved        = "response-property-condition-removed"
	ResponsePropertyConditionChanged        = "response-property-condition-changed"
	ResponsePropertyConditionAdded          = "response-property-condition-added"
	// An alternative only a new request value can trigger.
	ResponseOneOfAlternativeAddedForNewValue = "response-oneof-alternative-added-for-new-request-value"
)

var rules = []Rule{
	{OperationRemoved, Error, "an operation clients call no longer exists"},
	{OperationRemovedAfterDeprecation, Warning, "an operation was removed after being marked deprecated"},
	{OperationAdded, Info, "a new operation"},
	{OperationDeprecated, Info, "an operation is now marked deprecated"},
	{OperationIDChanged, Info, "operationId changed; generated SDK method names change"},

	{SecurityRequirementAdded, Error, "an operation that needed no credentials now requires them"},
	{SecurityRequirementRemoved, Warning, "an operation no longer requires credentials"},
	{SecurityRequirementChanged, Error, "an operation no longer accepts a credential it used to accept"},

	{TokenMovedToHeader, Error, "the token moved from the request body to a required Authorization header"},
	{RequestParameterRemoved, Warning, "a parameter is no longer read; clients may rely on it silently"},
	{RequestParameterAddedRequired, Error, "a new required parameter that existing clients do not send"},
	{RequestParameterAddedOptional, Info, "a new optional parameter"},
	{RequestParameterBecameRequired, Error, "an optional parameter became required"},
	{RequestParameterBecameOptional, Info, "a required parameter became optional"},
	{RequestParameterRenamed, Error, "a parameter was renamed; clients send the old name"},
	{RequestParameterTypeChanged, Error, "a parameter's type no longer accepts what clients send"},
	{RequestParameterEnumValueRemoved, Error, "a parameter no longer accepts a value clients may send"},
	{RequestParameterEnumValueAdded, Info, "a parameter accepts a new value"},
	{PathParameterRenamed, Info, "a path parameter was renamed; the URL is unchanged"},

	{RequestBodyAddedRequired, Error, "a required request body was added"},
	{RequestBodyAddedOptional, Info, "an optional request body was added"},
	{RequestBodyBecameRequired, Error, "the request body became required"},
	{RequestBodyRemoved, Warning, "the request body is no longer read"},
	{RequestMediaTypeRemoved, Error, "a request media type is no longer accepted"},

	{RequestPropertyAddedRequired, Error, "a new required request field that existing clients do not send"},
	{RequestPropertyAddedOptional, Info, "a new optional request field"},
	{RequestPropertyBecameRequired, Error, "an optional request field became required"},
	{RequestPropertyBecameOptional, Info, "a required request field became optional"},
	{RequestPropertyRemoved, Warning, "a request field is no longer read; a strict server may reject it"},
	{RequestPropertyRenamed, Error, "a request field was renamed; clients send the old name"},
	{RequestPropertyTypeChanged, Error, "a request field's type no longer accepts what clients send"},
	{RequestPropertyEnumValueRemoved, Error, "a request field no longer accepts a value clients may send"},
	{RequestPropertyEnumValueAdded, Info, "a request field accepts a new value"},
	{RequestPropertyConstraintTightened, Error, "a request field's length, range or pattern now refuses values clients send"},
	{RequestOneOfAlternativeRemoved, Error, "a request shape clients may send is no longer accepted"},
	{RequestOneOfAlternativeAdded, Info, "a new request shape is accepted"},
	{RequestObjectClosed, Error, "a request object no longer accepts fields beyond its own (additionalProperties false or a schema where any was allowed)"},
	{RequestObjectOpened, Info, "a request object accepts more extra fields than before"},
	{RequestPropertyNotAdded, Error, "a request field must now not match a schema (not) it was free to match"},
	{RequestPropertyNotChanged, Warning, "the schema a request field must not match (not) changed; values clients send may now be refused"},
	{RequestPropertyNotRemoved, Info, "a request field no longer has to avoid a schema (not)"},
	{RequestPropertyConditionAdded, Error, "a request field must now meet an if/then/else condition"},
	{RequestPropertyConditionChanged, Warning, "a request field's if/then/else condition changed; values clients send may now be refused"},
	{RequestPropertyConditionRemoved, Info, "a request field no longer has an if/then/else condition"},

	{ResponseSuccessStatusRemoved, Error, "a success status clients check for is no longer returned"},
	{ResponseStatusRemoved, Info, "an error status is no longer documented"},
	{ResponseStatusAdded, Info, "a new response status is documented"},
	{ResponseMediaTypeRemoved, Error, "a response media type is no longer returned"},
	{ResponseBodyRemoved, Error, "a response no longer has a body"},
	{ResponseBodyAdded, Info, "a response now documents its body"},
	{ResponsePropertyRemoved, Error, "a response field clients read is gone"},
	{ResponsePropertyRemovedAfterDeprecation, Warning, "a response field was removed after being marked deprecated"},
	{ResponsePropertyRenamed, Error, "a response field was renamed; clients read the old name"},
	{ResponsePropertyBecameOptional, Error, "a response field that was always present may now be missing"},
	{ResponsePropertyBecameRequired, Info, "a response field is now always present"},
	{ResponsePropertyBecameNullable, Error, "a response field may now be null"},
	{ResponsePropertyAdded, Info, "a new response field"},
	{ResponsePropertyTypeChanged, Error, "a response field's type changed under clients"},
	{ResponsePropertyEnumValueAdded, Warning, "a response field may carry a value clients do not know"},
	{ResponsePropertyEnumValueRemoved, Info, "a response field no longer carries a value"},
	{ResponsePropertyConstraintLoosened, Warning, "a response field may now exceed the length, range or pattern clients were promised"},
	{ResponseOneOfAlternativeAdded, Error, "a response may now have a shape clients do not expect"},
	{ResponseOneOfAlternativeRemoved, Info, "a response shape is no longer returned"},
	{ResponseObjectOpened, Warning, "a response object may now carry fields beyond those it lists; strict clients may reject them"},
	{ResponseObjectClosed, Info, "a response object now carries fewer extra fields than before"},
	{ResponsePropertyNotRemoved, Warning, "a response field no longer promises to avoid a schema (not)"},
	{ResponsePropertyNotChanged, Warning, "the schema a response field promises to avoid (not) changed"},
	{ResponsePropertyNotAdded, Info, "a response field now promises to avoid a schema (not)"},
	{ResponsePropertyConditionRemoved, Warning, "a response field no longer promises an if/then/else condition"},
	{ResponsePropertyConditionChanged, Warning, "a response field's if/then/else condition changed under clients"},
	{ResponsePropertyConditionAdded, Info, "a response field now promises an if/then/else condition"},
	{ResponseOneOfAlternativeAddedForNewValue, Info, "a response may have a new shape, but only for a request value existing clients do not send"},
}

var ruleByID = func() map[string]Rule {
	m := make(map[string]Rule, len(rules))
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}()

// Rules lists every rule, in a stable order.
func Rules() []Rule { return append([]Rule(nil), rules...) }
